import { createHash } from 'node:crypto';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { ExtraHistoryEntry } from '../tickets';
import { SLA_TICKET_EVENT_TYPES, SlaEventType, SlaTicketEvent, TargetKind } from './sla.events';

const targetName = (target: TargetKind) => target.replace('_', ' ');

/**
 * The `log` entry a ticket's staff history shows for an SLA event (docs/sla.md "History"), or none. The
 * activation of first reply and resolution is left out: it always comes with the SlaApplied it follows,
 * whose entry says so; a next-reply cycle (a customer wrote after being answered) is shown.
 *
 * Everything comes from the event, so a rebuilt read model holds the same entries: the `_id` is 24 hex
 * digits like other history ids (the event's seconds, then a hash of its id), `created_at` the event's own
 * time (for a breach, the due time that passed), `created_by` the system actor that wrote it.
 */
export function slaHistoryEntry(event: RecordedEvent): ExtraHistoryEntry | undefined {
  if (!SLA_TICKET_EVENT_TYPES.includes(event.type)) return undefined;
  const e = event as unknown as SlaTicketEvent;
  const value = describe(e);
  if (!value) return undefined;
  const at = new Date(Date.parse(e.data.at));
  const actor = event.metadata.actor?.id ?? 'sla-processor';
  return {
    _id: historyId(event.id, at.getTime()),
    type: 'log',
    value: { event: e.type, ...value },
    created_by: { id: actor, user_type: 'system' },
    created_on: { user_agent: actor },
    created_at: at.toISOString(),
  };
}

function describe(e: SlaTicketEvent): ({ text: string } & Record<string, unknown>) | undefined {
  switch (e.type) {
    case SlaEventType.SlaApplied: {
      const p = e.data.policy;
      if (!p) return { text: 'SLA removed: no policy matches the ticket any more', policy: null, reason: e.data.reason };
      const targets = Object.entries(p.targets).map(([kind, t]) => `${targetName(kind as TargetKind)} ${t.minutes} ${t.time} minutes`);
      return {
        text: `SLA policy "${p.name}" (version ${p.version}) applied: ${targets.join(', ')}`,
        policy: { _id: p.id, name: p.name, version: p.version },
        reason: e.data.reason,
      };
    }
    case SlaEventType.SlaTargetActivated:
      if (e.data.target !== 'next_reply') return undefined;
      return { text: 'SLA next reply target started', target: e.data.target };
    case SlaEventType.SlaClockPaused:
      return { text: `SLA clocks paused (status ${e.data.status})`, status: e.data.status };
    case SlaEventType.SlaClockResumed:
      return { text: `SLA clocks resumed (status ${e.data.status})`, status: e.data.status };
    case SlaEventType.SlaTargetFulfilled:
      return { text: `SLA ${targetName(e.data.target)} target fulfilled`, target: e.data.target };
    case SlaEventType.SlaBreached:
      return { text: `SLA ${targetName(e.data.target)} target breached`, target: e.data.target, detected_at: e.data.detected_at };
    default:
      return undefined;
  }
}

function historyId(eventId: string, at: number): string {
  const seconds = Math.max(0, Math.floor(at / 1000)) % 2 ** 32;
  return seconds.toString(16).padStart(8, '0') + createHash('sha256').update(eventId).digest('hex').slice(0, 16);
}
