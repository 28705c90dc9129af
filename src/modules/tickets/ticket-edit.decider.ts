import { DomainError } from '../../platform/command/domain-error';
import { assertNever } from '../../platform/command/assert-never';
import { PriorityKey, StatusKey, categoryDisplay } from './ticket-catalogue';
import { FeedbackSubmitted, TicketDeskEvent, TicketEditEvent, TicketEditEventType } from './ticket-edit.events';
import { assertTransition } from './ticket-lifecycle';
import type { ExistingTicket } from './ticket.decider';
import { CreatedOn, HistoryAppended, TicketAsset, TicketContent, TicketEventType } from './ticket.events';

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
  readonly assigned_to?: { readonly agent_id: string };
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

export const MAX_FEEDBACK_PER_TICKET = 100;

/** One event per kind of change, then one `diff` history entry mapping each changed field to [old, new]. */
export function decideEdit(command: EditTicket, state: ExistingTicket): (TicketEditEvent | HistoryAppended)[] {
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
      events.push({ type: TicketEditEventType.TicketContentChanged, data: { ...at, content } });
      diff.content = [state.content, content];
    }
  }
  const key = ch.category ?? state.category.key;
  const sub = ch.sub_category === undefined ? state.subCategory : ch.sub_category || undefined;
  if (key !== state.category.key || sub !== state.subCategory) {
    const category = key === state.category.key ? state.category : { key, display: categoryDisplay(key) };
    events.push({ type: TicketEditEventType.TicketCategoryChanged, data: { ...at, category, ...(sub === undefined ? {} : { sub_category: sub }) } });
    if (key !== state.category.key) diff.category = [state.category.key, key];
    if (sub !== state.subCategory) diff.sub_category = [state.subCategory ?? null, sub ?? null];
  }
  if (ch.status !== undefined && ch.status !== state.status) {
    events.push({ type: TicketEditEventType.TicketStatusChanged, data: { ...at, status: ch.status } });
    diff.status = [state.status, ch.status];
  }
  if (ch.priority !== undefined && ch.priority !== state.priority) {
    events.push({ type: TicketEditEventType.TicketPriorityChanged, data: { ...at, priority: ch.priority } });
    diff.priority = [state.priority, ch.priority];
  }
  if (ch.assigned_to !== undefined && ch.assigned_to.agent_id !== state.assignedTo) {
    events.push({ type: TicketEditEventType.TicketAssigned, data: { ...at, agent_id: ch.assigned_to.agent_id } });
    diff.assigned_to = [state.assignedTo ?? null, ch.assigned_to.agent_id];
  }
  if (ch.tags !== undefined) {
    const tags = [...new Set(ch.tags)];
    if (tags.length !== state.tags.length || tags.some((t) => !state.tags.includes(t))) {
      events.push({ type: TicketEditEventType.TicketTagsChanged, data: { ...at, tags } });
      diff.tags = [state.tags, tags];
    }
  }
  if (events.length === 0) return [];
  const history: HistoryAppended = {
    type: TicketEventType.HistoryAppended,
    data: { id: command.historyId, ticket: state.ticketId, type: 'diff', value: diff, created_by: command.createdBy, created_on: command.createdOn, created_at: command.now },
  };
  return [...events, history];
}

/** Answers are stored as FeedbackResponseItem {display, key, value}, all strings, in the order given. */
export function decideFeedback(command: SubmitFeedback, state: ExistingTicket): FeedbackSubmitted[] {
  if (state.feedbackCount >= MAX_FEEDBACK_PER_TICKET) {
    throw new DomainError('limit', `A ticket holds at most ${MAX_FEEDBACK_PER_TICKET} feedbacks`);
  }
  const response = Object.entries(command.formResponse).map(([key, value]) => ({ display: categoryDisplay(key) || key, key, value: String(value) }));
  if (response.length === 0) {
    const message = 'form_response must hold at least one answer';
    throw new DomainError('invalid', message, { errors: [{ field: 'form_response', message }] });
  }
  const data = { id: command.feedbackId, ticket: state.ticketId, company_id: state.companyId, category: state.category.key, response, user: command.user, created_at: command.now };
  return [{ type: TicketEditEventType.FeedbackSubmitted, data }];
}

export function evolveDesk(state: ExistingTicket, event: TicketDeskEvent): ExistingTicket {
  switch (event.type) {
    case 'TicketStatusChanged':
      return { ...state, status: event.data.status };
    case 'TicketPriorityChanged':
      return { ...state, priority: event.data.priority };
    case 'TicketAssigned':
      return { ...state, assignedTo: event.data.agent_id };
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
  return a.title === b.title && a.description === b.description && a.attachments.map(asset).join('\u0001') === b.attachments.map(asset).join('\u0001');
}
