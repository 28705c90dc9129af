import { RecordedEvent } from '../../platform/event-store/event-store.port';
import {
  TicketCategoryChanged,
  TicketCreated,
  TicketEventType,
  TicketPriorityChanged,
  TicketStatusChanged,
  isInternalNote,
} from '../tickets';
import { TicketChange, TicketFacts } from './ticket-sla.decider';

const STAFF_ACTORS = ['staff_client', 'staff_user'];

/** What a ticket event means for its SLA, or nothing when it means nothing (tags, content, feedback...). */
export function slaChangeOf(event: RecordedEvent): { change: TicketChange; at: string } | undefined {
  const d = event.data as Record<string, unknown>;
  switch (event.type) {
    case TicketEventType.TicketCreated:
      return { change: { kind: 'created' }, at: (d as TicketCreated['data']).created_at };
    case TicketEventType.TicketPriorityChanged:
      return { change: { kind: 'priority_changed' }, at: (d as TicketPriorityChanged['data']).changed_at };
    case TicketEventType.TicketCategoryChanged:
      return { change: { kind: 'category_changed' }, at: (d as TicketCategoryChanged['data']).changed_at };
    case TicketEventType.TicketStatusChanged: {
      const s = d as TicketStatusChanged['data'];
      return { change: { kind: 'status_changed', status: s.status }, at: s.changed_at };
    }
    case TicketEventType.HistoryAppended: {
      // Public replies are comments; the actor who wrote the event says whether it was staff. An internal
      // note (type `note`, isInternalNote) is no reply: the customer never sees it, so it starts, stops and
      // fulfils no clock.
      if (d.type !== 'comment' || isInternalNote(event)) return undefined;
      const by = STAFF_ACTORS.includes(event.metadata.actor?.type ?? '') ? 'staff' : 'customer';
      return { change: { kind: 'public_reply', by }, at: String(d.created_at) };
    }
    default:
      return undefined;
  }
}

/** The ticket's facts after the last of `events` (its stream, read up to the event being followed). */
export function ticketFactsOf(events: readonly RecordedEvent[]): TicketFacts | undefined {
  let facts: TicketFacts | undefined;
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    if (e.type === TicketEventType.TicketCreated) {
      const c = d as TicketCreated['data'];
      facts = {
        id: c.id,
        company_id: c.company_id,
        priority: c.priority,
        category: c.category.key,
        status: c.status,
        ...(c.application_id ? { application_id: c.application_id } : {}),
      };
    } else if (!facts) continue;
    else if (e.type === TicketEventType.TicketPriorityChanged)
      facts = { ...facts, priority: (d as TicketPriorityChanged['data']).priority };
    else if (e.type === TicketEventType.TicketCategoryChanged)
      facts = { ...facts, category: (d as TicketCategoryChanged['data']).category.key };
    else if (e.type === TicketEventType.TicketStatusChanged) facts = { ...facts, status: (d as TicketStatusChanged['data']).status };
  }
  return facts;
}
