import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { Settings } from '../../platform/config/settings';
import { EventMetadata, Position } from '../../platform/event-store/event-store.port';
import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { LogFollower, ReadYourWrites, WriteScope } from '../../platform/projections/read-your-writes';
import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { SlaCompanies, SlaConfigCommandHandler, TicketSlaCommandHandler } from './sla-command-handlers';
import { SlaProcessor } from './sla-processor';
import { SlaProjection } from './sla.projection';
import { SlaQueries } from './sla.queries';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const meta = (actor: string): EventMetadata => ({
  actor: { type: actor as 'staff_user', id: 'x' },
  tenant: { companyId: '1' },
  correlationId: 'c',
  causationId: 'c',
});

/** One service instance around a shared store: its own SQLite file (checkpoint, rm_sla), lock and clock. */
function instance(store: MemoryEventStore, clock: { now: () => number }, options: { readYourWritesTimeoutMs?: number } = {}) {
  const db = openSqlite(':memory:');
  const projection = new SlaProjection();
  projection.init(db);
  // Read-your-writes, here: apply what the log holds to this instance's projection (redeliveries change nothing),
  // then wait for the followers, as the real one does (the processor, once registered).
  const followers: LogFollower[] = [];
  const readYourWrites = {
    waitFor: async (position: Position, scope?: WriteScope) => {
      (await store.readAll()).forEach((e) => projection.apply(e));
      for (const follower of followers) await follower.caughtUp(position, scope);
    },
    register: (follower: LogFollower) => followers.push(follower),
  } as unknown as ReadYourWrites;
  const lock = new KeyedLock();
  const companies = new SlaCompanies(store);
  const configs = new SlaConfigCommandHandler(store, lock, testChainKey, readYourWrites, companies);
  const settings = {
    slaSchedulerIntervalMs: 10_000,
    slaProcessorIntervalMs: 0,
    slaWaitingOnCustomerStatus: 'resolved',
    readYourWritesTimeoutMs: options.readYourWritesTimeoutMs ?? 60_000,
  } as Settings;
  const processor = new SlaProcessor(
    store,
    settings,
    db,
    configs,
    new TicketSlaCommandHandler(store, lock, testChainKey, readYourWrites),
    new SlaQueries(db),
    clock,
    readYourWrites,
    companies,
  );
  return { processor, configs, readYourWrites, sync: () => readYourWrites.waitFor({ commit: 0n, prepare: 0n }) };
}

describe('SlaProcessor', () => {
  let store: MemoryEventStore;
  const clock = { now: () => T0 };
  beforeEach(async () => {
    store = new MemoryEventStore();
    const { configs } = instance(store, clock);
    const policy = {
      name: 'Urgent',
      condition: { priorities: ['urgent'] },
      targets: { first_reply: { minutes: 60, time: 'calendar' as const } },
      pause_statuses: ['resolved'],
    };
    await configs.handle(
      '1',
      { kind: 'create', companyId: '1', id: 'p1', policy, now: iso(-10) },
      { commandId: 'cfg', metadata: meta('staff_user') },
    );
    const created = {
      id: 't1',
      company_id: '1',
      priority: 'urgent',
      category: { key: 'orders', display: 'Orders' },
      status: 'pending',
      created_at: iso(0),
    };
    await store.append('ticket-t1', [{ type: 'TicketCreated', data: created, metadata: meta('storefront_user') }], {
      expectedRevision: 'no_stream',
    });
  });
  const slaTimeline = async () =>
    (await store.readStream('sla-t1')).map((e) => [e.type, e.data.at, e.data.detected_at].filter(Boolean).join(' '));
  const reply = (minutes: number) =>
    store.append(
      'ticket-t1',
      [
        {
          type: 'HistoryAppended',
          data: { id: 'h1', ticket: 't1', type: 'comment', value: {}, created_at: iso(minutes) },
          metadata: meta('staff_user'),
        },
      ],
      { expectedRevision: 'any' },
    );

  it('skips a company without SLA configuration without reading its tickets, and follows it once it has one', async () => {
    const created = { ...{ company_id: '2', priority: 'urgent', category: { key: 'orders', display: 'Orders' } }, status: 'pending' };
    const other = (id: string) =>
      store.append(
        `ticket-${id}`,
        [
          {
            type: 'TicketCreated',
            data: { id, ...created, created_at: iso(1) },
            metadata: { ...meta('storefront_user'), tenant: { companyId: '2' } },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    await other('t2');
    const { processor } = instance(store, clock);
    const read = jest.spyOn(store, 'readStream');
    await processor.runOnce();
    expect(read.mock.calls.map(([stream]) => stream).filter((s) => s.startsWith('ticket-t2'))).toEqual([]);
    expect(await store.readStream('sla-t2')).toEqual([]);
    // The company's first policy, written through another instance, then a ticket: followed at once (the
    // processor reads the check fresh rather than trust its cached "none").
    const policy = { name: 'All', condition: {}, targets: { first_reply: { minutes: 60, time: 'calendar' as const } }, pause_statuses: [] };
    await instance(store, clock).configs.handle(
      '2',
      { kind: 'create', companyId: '2', id: 'p2', policy, now: iso(1) },
      { commandId: 'cfg2', metadata: meta('staff_user') },
    );
    await other('t3');
    await processor.runOnce();
    expect((await store.readStream('sla-t3')).map((e) => e.type)).toContain('SlaApplied');
    read.mockRestore();
  });

  it('catches up after downtime: a reply after the due time records the breach at the due time, then the fulfilment', async () => {
    await reply(90);
    await instance(store, clock).processor.runOnce();
    expect(await slaTimeline()).toEqual([
      `SlaApplied ${iso(0)}`,
      `SlaTargetActivated ${iso(0)}`,
      `SlaBreached ${iso(60)} ${iso(90)}`,
      `SlaTargetFulfilled ${iso(90)}`,
    ]);
  });

  it('the scheduler breaches by the injected clock, once, with the due time as the breach time', async () => {
    const now = { value: T0 + 30 * 60_000 };
    const { processor, sync } = instance(store, { now: () => now.value });
    await processor.runOnce({ schedule: true });
    await sync();
    expect(await slaTimeline()).toEqual([`SlaApplied ${iso(0)}`, `SlaTargetActivated ${iso(0)}`]);
    now.value = T0 + 300 * 60_000;
    await processor.runOnce({ schedule: true });
    await processor.runOnce({ schedule: true });
    // Noticed at 15:00 (less the scheduler's one-second grace), recorded at 11:00.
    expect((await slaTimeline()).slice(2)).toEqual([`SlaBreached ${iso(60)} ${new Date(now.value - 1000).toISOString()}`]);
  });

  it('two instances following the same log write every SLA event once', async () => {
    await reply(30);
    const [a, b] = [instance(store, clock), instance(store, clock)];
    await Promise.all([a.processor.runOnce(), b.processor.runOnce(), a.processor.runOnce(), b.processor.runOnce()]);
    expect(await slaTimeline()).toEqual([`SlaApplied ${iso(0)}`, `SlaTargetActivated ${iso(0)}`, `SlaTargetFulfilled ${iso(30)}`]);
  });

  it('follows a page of the log waiting for the read models once: a ticket given an SLA in that page is paused in it too', async () => {
    await store.append(
      'ticket-t1',
      [{ type: 'TicketStatusChanged', data: { ticket: 't1', status: 'resolved', changed_at: iso(5) }, metadata: meta('staff_user') }],
      { expectedRevision: 'any' },
    );
    await instance(store, clock).processor.runOnce();
    expect(await slaTimeline()).toEqual([`SlaApplied ${iso(0)}`, `SlaTargetActivated ${iso(0)}`, `SlaClockPaused ${iso(5)}`]);
  });

  describe('read your writes (a LogFollower)', () => {
    it("a write's wait ends once the processor has followed it: it asks for a pass at once, with no timer running", async () => {
      const { processor, readYourWrites } = instance(store, clock);
      readYourWrites.register(processor);
      const written = await reply(20);
      // The processor's own SLA appends also go through read-your-writes: they must not wait for the processor.
      await readYourWrites.waitFor(written.position);
      expect(await slaTimeline()).toEqual([`SlaApplied ${iso(0)}`, `SlaTargetActivated ${iso(0)}`, `SlaTargetFulfilled ${iso(20)}`]);
      // Followed already: no second pass is needed to answer.
      await processor.caughtUp(written.position);
    });

    it('writes waiting together share one pass; a stuck processor lets them answer after the timeout, failing none', async () => {
      const { processor } = instance(store, clock, { readYourWritesTimeoutMs: 200 });
      const written = await reply(20);
      let passes = 0;
      const readAll = store.readAll.bind(store);
      store.readAll = async (...args) => {
        if (args[0]?.maxCount !== undefined) passes++; // the processor's reads (the fake read-your-writes reads it all)
        return readAll(...args);
      };
      await Promise.all([processor.caughtUp(written.position), processor.caughtUp(written.position)]);
      expect(passes).toBe(1);

      store.readAll = async () => {
        throw new Error('the log cannot be read');
      };
      const stuck = await reply(25);
      const started = Date.now();
      await processor.caughtUp(stuck.position);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      // A write of a company that never configured SLAs waits for no pass, even now.
      const unconfigured = Date.now();
      await processor.caughtUp(stuck.position, { companyId: 'a company without SLA configuration' });
      expect(Date.now() - unconfigured).toBeLessThan(150);
      // The configured company's writes still wait (its configuration is in the log).
      const configured = Date.now();
      await processor.caughtUp(stuck.position, { companyId: '1' });
      expect(Date.now() - configured).toBeGreaterThanOrEqual(150);
    });
  });
});
