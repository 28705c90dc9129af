import { DomainError } from '../../common/domain-error';
import { assertNever } from '../../common/assert-never';
import { HistoryType, PriorityKey, StatusKey } from './ticket-catalogue';
import { CreatedOn, HistoryAppended, TicketCreated, TicketEvent, TicketEventType } from './ticket.events';

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
    };

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
};

export type TicketCommand = CreateTicket | AppendHistory;

/** History entries one ticket may hold: a bound on stream length that keeps reads and folds cheap. */
export const MAX_HISTORY_PER_TICKET = 10_000;

export function decideTicket(command: TicketCommand, state: TicketState): TicketEvent[] {
  switch (command.kind) {
    case 'CreateTicket':
      if (state.exists) throw new DomainError('conflict', `Ticket ${state.ticketId} already exists`);
      return [{ type: TicketEventType.TicketCreated, data: command.data }];
    case 'AppendHistory': {
      if (!state.exists) throw new DomainError('not_found', 'Ticket not found');
      if (state.historyCount >= MAX_HISTORY_PER_TICKET) {
        throw new DomainError('limit', `A ticket holds at most ${MAX_HISTORY_PER_TICKET} history entries`);
      }
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
      };
    case TicketEventType.HistoryAppended:
      return state.exists ? { ...state, historyCount: state.historyCount + 1 } : state;
    default:
      return assertNever(event);
  }
}


export const ticketDecider = { initialState: initialTicketState, evolve: evolveTicket, decide: decideTicket };
