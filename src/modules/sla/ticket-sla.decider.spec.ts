import { deciderSpecification } from '../../../test/support/decider-specification';
import { SlaPolicy, SlaTicketEvent } from './sla.events';
import { TicketChange, TicketFacts, TicketSlaCommand, dueAt, ticketSlaDecider } from './ticket-sla.decider';
import { slaSummary, slaView } from './sla.views';
import { DEFAULT_BUSINESS_HOURS } from './sla-config.decider';

const spec = deciderSpecification(ticketSlaDecider);
const policy = (over: Partial<SlaPolicy> = {}): SlaPolicy => ({
  id: 'p1',
  name: 'Urgent',
  condition: { priorities: ['urgent'] },
  targets: {
    first_reply: { minutes: 60, time: 'calendar' },
    next_reply: { minutes: 30, time: 'calendar' },
    resolution: { minutes: 480, time: 'calendar' },
  },
  pause_statuses: ['resolved'],
  version: 1,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});
const ticket: TicketFacts = { id: 't1', company_id: '1', priority: 'urgent', category: 'orders', status: 'pending' };
const follow = (change: TicketChange, at: string, over: Partial<TicketFacts> = {}, policies = [policy()]): TicketSlaCommand => ({
  kind: 'follow',
  ticket: { ...ticket, ...over },
  change,
  at,
  config: { policies },
});
const T0 = '2026-03-02T10:00:00.000Z';
const created = spec
  .given()
  .when(follow({ kind: 'created' }, T0))
  .decided();
const types = (events: SlaTicketEvent[]) => events.map((e) => `${e.type}${'target' in e.data ? `:${e.data.target}` : ''}`);
const fold = (events: SlaTicketEvent[]) => events.reduce(ticketSlaDecider.evolve, ticketSlaDecider.initialState);

describe('ticketSlaDecider', () => {
  it('applies the first matching policy on create, recording its version, and starts first reply and resolution', () => {
    spec
      .given()
      .when(follow({ kind: 'created' }, T0))
      .then((events) => {
        expect(types(events)).toEqual(['SlaApplied', 'SlaTargetActivated:first_reply', 'SlaTargetActivated:resolution']);
        expect(events[0].data).toMatchObject({
          policy: { id: 'p1', version: 1 },
          reason: 'created',
          hours: DEFAULT_BUSINESS_HOURS,
          at: T0,
        });
      });
    spec
      .given()
      .when(follow({ kind: 'created' }, T0, { priority: 'low' }))
      .thenNothingHappens();
  });

  it('pauses while waiting on the customer and resumes after: the due time moves by the pause', () => {
    const paused = spec
      .given(created)
      .when(follow({ kind: 'status_changed', status: 'resolved' }, '2026-03-02T10:20:00.000Z'))
      .decided();
    expect(types(paused)).toEqual(['SlaClockPaused']);
    const resumed = spec
      .given([...created, ...paused])
      .when(follow({ kind: 'status_changed', status: 'in_progress' }, '2026-03-02T11:20:00.000Z'))
      .decided();
    expect(types(resumed)).toEqual(['SlaClockResumed']);
    expect(dueAt(fold([...created, ...paused]), 'first_reply')).toBeUndefined();
    expect(new Date(dueAt(fold([...created, ...paused, ...resumed]), 'first_reply')!).toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });

  it('a public staff reply fulfils first reply; the customer writing back starts next reply', () => {
    const replied = spec
      .given(created)
      .when(follow({ kind: 'public_reply', by: 'staff' }, '2026-03-02T10:30:00.000Z'))
      .decided();
    expect(types(replied)).toEqual(['SlaTargetFulfilled:first_reply']);
    spec
      .given(created)
      .when(follow({ kind: 'public_reply', by: 'customer' }, '2026-03-02T10:31:00.000Z'))
      .thenNothingHappens();
    const back = spec
      .given([...created, ...replied])
      .when(follow({ kind: 'public_reply', by: 'customer' }, '2026-03-02T10:40:00.000Z'))
      .decided();
    expect(types(back)).toEqual(['SlaTargetActivated:next_reply']);
    expect(slaView(fold([...created, ...replied, ...back]), Date.parse('2026-03-02T10:50:00.000Z'))!.targets).toMatchObject({
      first_reply: { state: 'fulfilled', fulfilled_at: '2026-03-02T10:30:00.000Z', due_at: null },
      next_reply: { state: 'active', due_at: '2026-03-02T11:10:00.000Z', remaining_minutes: 20 },
    });
  });

  it('breaches once, at the due time, whenever the scheduler notices', () => {
    spec.given(created).when({ kind: 'breach', now: '2026-03-02T10:59:59.999Z' }).thenNothingHappens();
    const breached = spec
      .given(created)
      .when({ kind: 'breach', now: '2026-03-02T13:00:00.000Z' })
      .then([
        {
          type: 'SlaBreached',
          data: { ticket: 't1', target: 'first_reply', at: '2026-03-02T11:00:00.000Z', detected_at: '2026-03-02T13:00:00.000Z' },
        },
      ]);
    spec
      .given([...created, ...breached])
      .when({ kind: 'breach', now: '2026-03-02T14:00:00.000Z' })
      .thenNothingHappens();
    expect(slaSummary(fold([...created, ...breached]))).toEqual({ state: 'breached', next_due_at: '2026-03-02T18:00:00.000Z' });
  });

  it('records a breach the ticket event passed before following it (catching up after downtime)', () => {
    spec
      .given(created)
      .when(follow({ kind: 'public_reply', by: 'staff' }, '2026-03-02T11:30:00.000Z'))
      .then((events) => {
        expect(types(events)).toEqual(['SlaBreached:first_reply', 'SlaTargetFulfilled:first_reply']);
        expect(events[0].data.at).toBe('2026-03-02T11:00:00.000Z');
      });
  });

  it('re-applies on a priority change that matches another policy version, keeping the running clocks', () => {
    const v2 = policy({ version: 2, targets: { first_reply: { minutes: 120, time: 'calendar' } } });
    const events = spec
      .given(created)
      .when(follow({ kind: 'priority_changed' }, '2026-03-02T10:10:00.000Z', {}, [v2]))
      .decided();
    expect(types(events)).toEqual(['SlaApplied']);
    const state = fold([...created, ...events]);
    expect(Object.keys(state.targets)).toEqual(['first_reply']);
    expect(new Date(dueAt(state, 'first_reply')!).toISOString()).toBe('2026-03-02T12:00:00.000Z');
    spec
      .given(created)
      .when(follow({ kind: 'priority_changed' }, '2026-03-02T10:10:00.000Z'))
      .thenNothingHappens();
    spec
      .given(created)
      .when(follow({ kind: 'priority_changed' }, '2026-03-02T10:10:00.000Z', { priority: 'low' }))
      .then((e) => expect(e[0].data).toMatchObject({ policy: null }));
  });

  it('closing fulfils every running clock', () => {
    spec
      .given(created)
      .when(follow({ kind: 'status_changed', status: 'closed' }, '2026-03-02T10:05:00.000Z'))
      .then((events) => {
        expect(types(events)).toEqual(['SlaTargetFulfilled:first_reply', 'SlaTargetFulfilled:resolution']);
        expect(slaSummary(fold([...created, ...events]))).toEqual({ state: 'fulfilled', next_due_at: null });
      });
  });

  it('counts business targets inside business hours (Friday 16:30 + 60 minutes = Monday 09:30)', () => {
    const business = policy({ targets: { first_reply: { minutes: 60, time: 'business' } } });
    const events = spec
      .given()
      .when(follow({ kind: 'created' }, '2026-03-06T16:30:00.000Z', {}, [business]))
      .decided();
    expect(new Date(dueAt(fold(events), 'first_reply')!).toISOString()).toBe('2026-03-09T09:30:00.000Z');
    expect(slaView(fold(events), Date.parse('2026-03-07T12:00:00.000Z'))!.targets.first_reply!.remaining_minutes).toBe(30);
  });
});
