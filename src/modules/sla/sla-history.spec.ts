import { eventRecorder } from '../../../test/support/recorded-events';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { slaHistoryEntry } from './sla-history';
import { SlaHistoryProjection } from './sla-history.projection';
import { SlaPolicy } from './sla.events';
import { SlaQueries } from './sla.queries';
import { DEFAULT_BUSINESS_HOURS } from './sla-config.decider';

const policy: SlaPolicy = {
  id: 'p1',
  name: 'Urgent',
  condition: {},
  targets: { first_reply: { minutes: 60, time: 'calendar' }, resolution: { minutes: 480, time: 'business' } },
  pause_statuses: ['resolved'],
  version: 2,
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
};
const facts = { priority: 'urgent', category: 'order-issue', status: 'pending' };

/** One ticket's SLA stream: applied at 10:00, paused 10:05, resumed 10:10, breached at 11:05 (found 11:20), replied 11:30. */
function timeline() {
  const sla = eventRecorder('sla-t1');
  const base = { ticket: 't1' };
  return [
    sla(
      'SlaApplied',
      { ...base, at: '2026-03-02T10:00:00.000Z', company_id: '1', policy, hours: DEFAULT_BUSINESS_HOURS, reason: 'created', facts },
      0,
    ),
    sla('SlaTargetActivated', { ...base, at: '2026-03-02T10:00:00.000Z', target: 'first_reply' }, 1),
    sla('SlaTargetActivated', { ...base, at: '2026-03-02T10:00:00.000Z', target: 'resolution' }, 2),
    sla('SlaClockPaused', { ...base, at: '2026-03-02T10:05:00.000Z', status: 'resolved' }, 3),
    sla('SlaClockResumed', { ...base, at: '2026-03-02T10:10:00.000Z', status: 'in_progress' }, 4),
    sla('SlaBreached', { ...base, at: '2026-03-02T11:05:00.000Z', target: 'first_reply', detected_at: '2026-03-02T11:20:00.000Z' }, 5),
    sla('SlaTargetFulfilled', { ...base, at: '2026-03-02T11:30:00.000Z', target: 'first_reply' }, 6),
    sla('SlaTargetActivated', { ...base, at: '2026-03-02T11:40:00.000Z', target: 'next_reply' }, 7),
  ].map((e, i): RecordedEvent => (i === 5 ? { ...e, metadata: { actor: { type: 'system', id: 'sla-scheduler' } } } : e));
}

describe('SLA history entries', () => {
  it('describes each SLA event as a log entry at the event time, by the system actor that wrote it', () => {
    const entries = timeline().map(slaHistoryEntry);
    expect(entries.map((e) => e && [e.created_at.slice(11, 16), e.value.event, e.value.text])).toEqual([
      ['10:00', 'SlaApplied', 'SLA policy "Urgent" (version 2) applied: first reply 60 calendar minutes, resolution 480 business minutes'],
      undefined, // first reply and resolution start with the policy: its entry says so
      undefined,
      ['10:05', 'SlaClockPaused', 'SLA clocks paused (status resolved)'],
      ['10:10', 'SlaClockResumed', 'SLA clocks resumed (status in_progress)'],
      ['11:05', 'SlaBreached', 'SLA first reply target breached'],
      ['11:30', 'SlaTargetFulfilled', 'SLA first reply target fulfilled'],
      ['11:40', 'SlaTargetActivated', 'SLA next reply target started'],
    ]);
    expect(entries[0]).toMatchObject({
      type: 'log',
      value: { policy: { _id: 'p1', name: 'Urgent', version: 2 }, reason: 'created' },
      created_by: { id: 'sla-processor', user_type: 'system' },
    });
    expect(entries[5]).toMatchObject({
      value: { target: 'first_reply', detected_at: '2026-03-02T11:20:00.000Z' },
      created_by: { id: 'sla-scheduler', user_type: 'system' },
    });
    // Ids look like every other history id (24 hex digits) and are the same however often they are derived.
    expect(entries[0]!._id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(entries.filter(Boolean).map((e) => e!._id)).size).toBe(6);
    expect(timeline().map(slaHistoryEntry)).toEqual(entries);
  });

  it('a policy that stops matching is a log entry too; non-SLA events are none', () => {
    const sla = eventRecorder('sla-t1');
    const removed = sla(
      'SlaApplied',
      {
        ticket: 't1',
        at: '2026-03-02T12:00:00.000Z',
        company_id: '1',
        policy: null,
        hours: DEFAULT_BUSINESS_HOURS,
        reason: 'priority_changed',
        facts,
      },
      0,
    );
    expect(slaHistoryEntry(removed)?.value).toMatchObject({ text: 'SLA removed: no policy matches the ticket any more', policy: null });
    expect(slaHistoryEntry(eventRecorder()('TicketCreated', { id: 't1' }, 0))).toBeUndefined();
  });

  it('the read model serves them oldest first by event time (a breach found late sits at its due time), once each', () => {
    const db = openSqlite(':memory:');
    const projection = new SlaHistoryProjection();
    projection.init(db);
    const events = timeline();
    // The breach is written after the reply it precedes in time: log order differs from time order.
    const [breach, reply] = [events[5], events[6]];
    const reordered = [
      ...events.slice(0, 5),
      { ...reply, position: { commit: 20n, prepare: 20n } },
      { ...breach, position: { commit: 21n, prepare: 21n } },
      events[7],
    ];
    for (const e of [...reordered, ...reordered]) projection.apply(e); // redelivered: nothing twice
    const queries = new SlaQueries(db);
    expect(queries.countHistory('t1')).toBe(6);
    expect(queries.countHistory('t2')).toBe(0);
    expect(queries.firstHistory('t1', 10).map((e) => e.value.event)).toEqual([
      'SlaApplied',
      'SlaClockPaused',
      'SlaClockResumed',
      'SlaBreached',
      'SlaTargetFulfilled',
      'SlaTargetActivated',
    ]);
    expect(queries.firstHistory('t1', 2)).toHaveLength(2);
  });
});
