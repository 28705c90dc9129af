import { DomainError } from '../../platform/command/domain-error';
import { assertNever } from '../../platform/command/assert-never';
import { HistoryType, PriorityKey, StatusKey, categoryDisplay } from './ticket-catalogue';
import { assertTransition } from './ticket-lifecycle';
import {
  CreatedOn,
  FeedbackSubmitted,
  HistoryAppended,
  TicketAsset,
  TicketContent,
  TicketCreated,
  TicketDeskEvent,
  TicketEditEvent,
  TicketEvent,
  TicketEventType,
} from './ticket.events';

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
      // What staff edits compare against (decideEdit).
      readonly source: TicketCreated['data']['source'];
      readonly content: TicketContent;
      readonly category: { readonly key: string; readonly display: string };
      readonly subCategory?: string;
      readonly assignedTo?: string;
      readonly groupId?: string;
      readonly tags: readonly string[];
      readonly feedbackCount: number;
    };

export type ExistingTicket = Extract<TicketState, { exists: true }>;

export const initialTicketState: TicketState = { exists: false };

/**
 * What opening a ticket takes, from any door (a storefront or staff create, a form submission): the decider
 * fills in what every new ticket starts with, so "what a new ticket is" is said once, here.
 */
export type OpenTicket = Omit<TicketCreated['data'], 'ticket_id' | 'content' | 'category' | 'status' | 'priority' | 'tags'> & {
  readonly title: string;
  readonly description?: string;
  readonly attachments?: readonly TicketAsset[];
  /** A category key (shown with its catalogue display), or the category as a form defines it. */
  readonly category: string | TicketCreated['data']['category'];
  readonly status?: StatusKey;
  readonly priority?: PriorityKey;
  readonly tags?: readonly string[];
};

export type CreateTicket = {
  readonly kind: 'CreateTicket';
  readonly ticket: OpenTicket;
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

/** EditTicketPayload (reference 4.3) as the decider sees it: every field optional, nothing validated twice. */
export interface TicketChanges {
  /** Replaces the title; a missing description or attachments list keeps the current one. */
  readonly content?: { readonly title: string; readonly description?: string; readonly attachments?: readonly TicketAsset[] };
  readonly category?: string;
  /** An empty string clears it. */
  readonly sub_category?: string;
  /** Not editable: accepted only when it names the ticket's current source (clients that echo it back). */
  readonly source?: string;
  readonly status?: StatusKey;
  readonly priority?: PriorityKey;
  /** `null` unassigns the agent (the ticket stays in its group). */
  readonly assigned_to?: { readonly agent_id: string } | null;
  /** An agent group of the company (the caller checked it exists); `null` takes the ticket out of its group. */
  readonly group_id?: string | null;
  /** A set: order and duplicates do not count as a change. */
  readonly tags?: readonly string[];
}

export type EditTicket = {
  readonly kind: 'EditTicket';
  readonly changes: TicketChanges;
  readonly historyId: string;
  readonly createdBy: Record<string, unknown>;
  readonly createdOn: CreatedOn;
  readonly now: string;
  /** History entries the ticket may hold (LEAD_MAX_HISTORY_PER_TICKET); default MAX_HISTORY_PER_TICKET. */
  readonly maxHistory?: number;
};

export type SubmitFeedback = {
  readonly kind: 'SubmitFeedback';
  readonly feedbackId: string;
  /** TicketFeedbackPayload.form_response: field key -> answer. */
  readonly formResponse: Readonly<Record<string, string | number | boolean>>;
  readonly user: Record<string, unknown>;
  readonly now: string;
};

export type TicketCommand = CreateTicket | AppendHistory | EditTicket | SubmitFeedback;

/** History entries one ticket may hold: a bound on stream length that keeps reads and folds cheap. */
export const MAX_HISTORY_PER_TICKET = 10_000;

export function decideTicket(command: TicketCommand, state: TicketState): TicketEvent[] {
  switch (command.kind) {
    case 'CreateTicket':
      if (state.exists) throw new DomainError('conflict', `Ticket ${state.ticketId} already exists`);
      return [{ type: TicketEventType.TicketCreated, data: newTicket(command.ticket) }];
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
        ...(event.data.assigned_to ? { assignedTo: event.data.assigned_to.agent_id } : {}),
        ...(event.data.group_id ? { groupId: event.data.group_id } : {}),
      };
    case TicketEventType.HistoryAppended:
      return state.exists ? { ...state, historyCount: state.historyCount + 1 } : state;
    default:
      return state.exists ? evolveDesk(state, event) : state;
  }
}

export const MAX_FEEDBACK_PER_TICKET = 100;

/** One event per kind of change, then one `diff` history entry mapping each changed field to [old, new]. */
function decideEdit(command: EditTicket, state: ExistingTicket): (TicketEditEvent | HistoryAppended)[] {
  const ch = command.changes;
  if (ch.source !== undefined && ch.source !== state.source) {
    const message = `source is not editable: it records where the ticket was opened (${state.source})`;
    throw new DomainError('invalid', message, { errors: [{ field: 'source', message }] });
  }
  if (ch.status !== undefined) assertTransition(state.status, ch.status);
  const at = { ticket: state.ticketId, changed_at: command.now };
  const events: TicketEditEvent[] = [];
  const diff: Record<string, [unknown, unknown]> = {};

  if (ch.content) {
    const content: TicketContent = {
      title: ch.content.title,
      description: ch.content.description ?? state.content.description,
      attachments: ch.content.attachments ?? state.content.attachments,
    };
    if (!sameContent(content, state.content)) {
      events.push({ type: TicketEventType.TicketContentChanged, data: { ...at, content } });
      diff.content = [state.content, content];
    }
  }
  const key = ch.category ?? state.category.key;
  const sub = ch.sub_category === undefined ? state.subCategory : ch.sub_category || undefined;
  if (key !== state.category.key || sub !== state.subCategory) {
    const category = key === state.category.key ? state.category : { key, display: categoryDisplay(key) };
    events.push({
      type: TicketEventType.TicketCategoryChanged,
      data: { ...at, category, ...(sub === undefined ? {} : { sub_category: sub }) },
    });
    if (key !== state.category.key) diff.category = [state.category.key, key];
    if (sub !== state.subCategory) diff.sub_category = [state.subCategory ?? null, sub ?? null];
  }
  if (ch.status !== undefined && ch.status !== state.status) {
    events.push({ type: TicketEventType.TicketStatusChanged, data: { ...at, status: ch.status } });
    diff.status = [state.status, ch.status];
  }
  if (ch.priority !== undefined && ch.priority !== state.priority) {
    events.push({ type: TicketEventType.TicketPriorityChanged, data: { ...at, priority: ch.priority } });
    diff.priority = [state.priority, ch.priority];
  }
  const assignment = decideAssignment(ch, state, at);
  events.push(...assignment.events);
  Object.assign(diff, assignment.diff);
  if (ch.tags !== undefined) {
    const tags = [...new Set(ch.tags)];
    if (tags.length !== state.tags.length || tags.some((t) => !state.tags.includes(t))) {
      events.push({ type: TicketEventType.TicketTagsChanged, data: { ...at, tags } });
      diff.tags = [state.tags, tags];
    }
  }
  if (events.length === 0) return [];
  const history: HistoryAppended = {
    type: TicketEventType.HistoryAppended,
    data: {
      id: command.historyId,
      ticket: state.ticketId,
      type: 'diff',
      value: diff,
      created_by: command.createdBy,
      created_on: command.createdOn,
      created_at: command.now,
    },
  };
  return [...events, history];
}

/**
 * Who works on the ticket: the agent (`assigned_to`: set, or `null` to unassign) and the agent group
 * (`group_id`: set, or `null` to leave every group), each independent of the other. One event per change,
 * and the `diff` entries: `assigned_to` and `group_id`, each [old, new] with `null` for none.
 */
export function decideAssignment(
  ch: Pick<TicketChanges, 'assigned_to' | 'group_id'>,
  state: Pick<ExistingTicket, 'assignedTo' | 'groupId'>,
  at: { readonly ticket: string; readonly changed_at: string },
): { events: TicketEditEvent[]; diff: Record<string, [unknown, unknown]> } {
  const events: TicketEditEvent[] = [];
  const diff: Record<string, [unknown, unknown]> = {};
  const agent = ch.assigned_to === undefined ? state.assignedTo : (ch.assigned_to?.agent_id ?? undefined);
  if (agent !== state.assignedTo) {
    events.push(
      agent === undefined
        ? { type: TicketEventType.TicketUnassigned, data: { ...at } }
        : { type: TicketEventType.TicketAssigned, data: { ...at, agent_id: agent } },
    );
    diff.assigned_to = [state.assignedTo ?? null, agent ?? null];
  }
  const group = ch.group_id === undefined ? state.groupId : (ch.group_id ?? undefined);
  if (group !== state.groupId) {
    events.push({ type: TicketEventType.TicketGroupChanged, data: { ...at, group_id: group ?? null } });
    diff.group_id = [state.groupId ?? null, group ?? null];
  }
  return { events, diff };
}

/** Answers are stored as FeedbackResponseItem {display, key, value}, all strings, in the order given. */
function decideFeedback(command: SubmitFeedback, state: ExistingTicket): FeedbackSubmitted[] {
  if (state.feedbackCount >= MAX_FEEDBACK_PER_TICKET) {
    throw new DomainError('limit', `A ticket holds at most ${MAX_FEEDBACK_PER_TICKET} feedbacks`);
  }
  const response = Object.entries(command.formResponse).map(([key, value]) => ({
    display: categoryDisplay(key) || key,
    key,
    value: String(value),
  }));
  if (response.length === 0) {
    const message = 'form_response must hold at least one answer';
    throw new DomainError('invalid', message, { errors: [{ field: 'form_response', message }] });
  }
  const data = {
    id: command.feedbackId,
    ticket: state.ticketId,
    company_id: state.companyId,
    category: state.category.key,
    response,
    user: command.user,
    created_at: command.now,
  };
  return [{ type: TicketEventType.FeedbackSubmitted, data }];
}

function evolveDesk(state: ExistingTicket, event: TicketDeskEvent): ExistingTicket {
  switch (event.type) {
    case 'TicketStatusChanged':
      return { ...state, status: event.data.status };
    case 'TicketPriorityChanged':
      return { ...state, priority: event.data.priority };
    case 'TicketAssigned':
      return { ...state, assignedTo: event.data.agent_id };
    case 'TicketUnassigned': {
      const { assignedTo: _gone, ...rest } = state;
      return rest;
    }
    case 'TicketGroupChanged': {
      const { groupId: _old, ...rest } = state;
      return event.data.group_id === null ? rest : { ...rest, groupId: event.data.group_id };
    }
    case 'TicketTagsChanged':
      return { ...state, tags: event.data.tags };
    case 'TicketCategoryChanged':
      return { ...state, category: event.data.category, subCategory: event.data.sub_category };
    case 'TicketContentChanged':
      return { ...state, content: event.data.content };
    case 'FeedbackSubmitted':
      return { ...state, feedbackCount: state.feedbackCount + 1 };
    default:
      return assertNever(event);
  }
}

// Compared field by field: key order inside stored attachments must not make an unchanged edit look changed.
function sameContent(a: TicketContent, b: TicketContent): boolean {
  const asset = (x: TicketAsset) => [x.display ?? null, x.value, x.type].join('\u0000');
  return (
    a.title === b.title &&
    a.description === b.description &&
    a.attachments.map(asset).join('\u0001') === b.attachments.map(asset).join('\u0001')
  );
}

/** A new ticket: pending, low priority, no tags and an empty description unless the opener says otherwise. */
function newTicket({ title, description, attachments, category, status, priority, tags, ...rest }: OpenTicket): TicketCreated['data'] {
  return {
    ...rest,
    content: { title, description: description ?? '', attachments: attachments ?? [] },
    category: typeof category === 'string' ? { key: category, display: categoryDisplay(category) } : category,
    status: status ?? 'pending',
    priority: priority ?? 'low',
    tags: tags ?? [],
  };
}

export const ticketDecider = { initialState: initialTicketState, evolve: evolveTicket, decide: decideTicket };
