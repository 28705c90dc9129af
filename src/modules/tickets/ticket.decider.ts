import { DomainError } from '../../platform/command/domain-error';
import { assertNever } from '../../platform/command/assert-never';
import { HistoryType, PriorityKey, StatusKey } from './ticket-catalogue';
import { EditTicket, SubmitFeedback, decideEdit, decideFeedback, evolveDesk } from './ticket-edit.decider';
import { CreatedOn, HistoryAppended, TicketContent, TicketCreated, TicketEvent, TicketEventType } from './ticket.events';

/** A pure decider: what a ticket is (state), what happened to it (evolve), what may happen next (decide). */
export type TicketState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly ticketId: string;
      readonly companyId: string;
      readonly applicationId?: string;
      readonly status: StatusKey;
      readonly priority: PriorityKey;
      readonly historyCount: number;
      // What staff edits compare against (ticket-edit.decider.ts).
      readonly source: TicketCreated['data']['source'];
      readonly content: TicketContent;
      readonly category: { readonly key: string; readonly display: string };
      readonly subCategory?: string;
      readonly assignedTo?: string;
      readonly tags: readonly string[];
      readonly feedbackCount: number;
    };

export type ExistingTicket = Extract<TicketState, { exists: true }>;

export const initialTicketState: TicketState = { exists: false };

export type CreateTicket = {
  readonly kind: 'CreateTicket';
  readonly data: TicketCreated['data'];
};

export type AppendHistory = {
  readonly kind: 'AppendHistory';
  readonly historyId: string;
  readonly type: HistoryType;
  readonly value: Record<string, unknown>;
  readonly createdBy: Record<string, unknown>;
  readonly createdOn: CreatedOn;
  readonly now: string;
  /** History entries the ticket may hold (LEAD_MAX_HISTORY_PER_TICKET); default MAX_HISTORY_PER_TICKET. */
  readonly maxHistory?: number;
};

export type TicketCommand = CreateTicket | AppendHistory | EditTicket | SubmitFeedback;

/** History entries one ticket may hold: a bound on stream length that keeps reads and folds cheap. */
export const MAX_HISTORY_PER_TICKET = 10_000;

export function decideTicket(command: TicketCommand, state: TicketState): TicketEvent[] {
  switch (command.kind) {
    case 'CreateTicket':
      if (state.exists) throw new DomainError('conflict', `Ticket ${state.ticketId} already exists`);
      return [{ type: TicketEventType.TicketCreated, data: command.data }];
    case 'AppendHistory':
    case 'EditTicket': {
      if (!state.exists) throw new DomainError('not_found', 'Ticket not found');
      const maxHistory = command.maxHistory ?? MAX_HISTORY_PER_TICKET;
      if (state.historyCount >= maxHistory) throw new DomainError('limit', `A ticket holds at most ${maxHistory} history entries`);
      if (command.kind === 'EditTicket') return decideEdit(command, state);
      const event: HistoryAppended = {
        type: TicketEventType.HistoryAppended,
        data: {
          id: command.historyId,
          ticket: state.ticketId,
          type: command.type,
          value: command.value,
          created_by: command.createdBy,
          created_on: command.createdOn,
          created_at: command.now,
        },
      };
      return [event];
    }
    case 'SubmitFeedback':
      if (!state.exists) throw new DomainError('not_found', 'Ticket not found');
      return decideFeedback(command, state);
    default:
      return assertNever(command);
  }
}

export function evolveTicket(state: TicketState, event: TicketEvent): TicketState {
  switch (event.type) {
    case TicketEventType.TicketCreated:
      return {
        exists: true,
        ticketId: event.data.id,
        companyId: event.data.company_id,
        applicationId: event.data.application_id,
        status: event.data.status,
        priority: event.data.priority,
        historyCount: 0,
        source: event.data.source,
        content: event.data.content,
        category: event.data.category,
        tags: event.data.tags,
        feedbackCount: 0,
      };
    case TicketEventType.HistoryAppended:
      return state.exists ? { ...state, historyCount: state.historyCount + 1 } : state;
    default:
      return state.exists ? evolveDesk(state, event) : state;
  }
}


export const ticketDecider = { initialState: initialTicketState, evolve: evolveTicket, decide: decideTicket };
