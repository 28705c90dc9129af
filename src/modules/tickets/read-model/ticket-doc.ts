import { assertNever } from '../../../platform/command/assert-never';
import { PRIORITIES, STATUSES } from '../ticket-catalogue';
import { HistoryAppended, TicketCreated, TicketDeskEvent } from '../ticket.events';
import { isFinished } from '../ticket-lifecycle';
import { TicketDoc, TicketHistoryDoc } from './ticket.views';

/**
 * The Ticket document of a new ticket, given its readable number (recorded in its TicketCreated): built by
 * TicketProjection, and by the create command for its answer.
 */
export function newTicketDoc(d: TicketCreated['data'], number: number): TicketDoc {
  return {
    _id: d.id,
    id: d.id,
    ticket_id: String(number),
    context: d.application_id ? { company_id: d.company_id, application_id: d.application_id } : { company_id: d.company_id },
    content: d.content,
    category: d.category,
    source: d.source,
    status: STATUSES[d.status],
    priority: PRIORITIES[d.priority],
    created_by: d.created_by,
    tags: d.tags,
    created_on: d.created_on,
    _custom_json: d.custom_json ?? {},
    ...(d.additional_info ? { additional_info: d.additional_info } : {}),
    ...(d.subscribers ? { subscribers: d.subscribers } : {}),
    ...(d.response_id ? { response_id: d.response_id } : {}),
    ...(d.assigned_to ? { assigned_to: d.assigned_to } : {}),
    ...(d.group_id ? { group_id: d.group_id } : {}),
    is_feedback_pending: false,
    created_at: d.created_at,
    updated_at: d.created_at,
    createdAt: d.created_at,
    updatedAt: d.created_at,
  };
}

/** A history entry as the API returns it (TicketProjection stores it; AppendHistory answers with it). */
export function historyDoc(d: HistoryAppended['data'], ticketNumber: string): TicketHistoryDoc {
  return {
    _id: d.id,
    ticket_id: ticketNumber,
    type: d.type,
    value: d.value,
    created_by: d.created_by,
    created_on: d.created_on,
    created_at: d.created_at,
    updated_at: d.created_at,
    createdAt: d.created_at,
    updatedAt: d.created_at,
  };
}

/**
 * The Ticket document after an edit or a feedback (used by TicketProjection). Edits move `updated_at`;
 * feedback, like a comment, does not. `is_feedback_pending` is ours to define, as the reference is silent:
 * it turns on when work on the ticket ends (resolved or closed), off when feedback arrives or it reopens.
 */
export function editTicketDoc(doc: TicketDoc, event: TicketDeskEvent): TicketDoc {
  if (event.type === 'FeedbackSubmitted') return { ...doc, is_feedback_pending: false };
  const edited = { ...doc, updated_at: event.data.changed_at, updatedAt: event.data.changed_at };
  switch (event.type) {
    case 'TicketStatusChanged': {
      const wasFinished = isFinished(doc.status.key as keyof typeof STATUSES);
      const finished = isFinished(event.data.status);
      return {
        ...edited,
        status: STATUSES[event.data.status],
        is_feedback_pending: finished && (wasFinished ? doc.is_feedback_pending : true),
      };
    }
    case 'TicketPriorityChanged':
      return { ...edited, priority: PRIORITIES[event.data.priority] };
    case 'TicketAssigned':
      return { ...edited, assigned_to: { agent_id: event.data.agent_id } };
    case 'TicketUnassigned': {
      // No agent: the field is left out, as on a ticket never assigned (old clients read `assigned_to.agent_id`).
      const { assigned_to: _gone, ...rest } = edited;
      return rest;
    }
    case 'TicketGroupChanged': {
      const { group_id: _old, ...rest } = edited;
      return event.data.group_id === null ? rest : { ...rest, group_id: event.data.group_id };
    }
    case 'TicketTagsChanged':
      return { ...edited, tags: event.data.tags };
    case 'TicketCategoryChanged': {
      const { sub_category: _dropped, ...rest } = edited;
      const sub = event.data.sub_category;
      return { ...rest, category: event.data.category, ...(sub === undefined ? {} : { sub_category: sub }) };
    }
    case 'TicketContentChanged':
      return { ...edited, content: event.data.content };
    default:
      return assertNever(event);
  }
}
