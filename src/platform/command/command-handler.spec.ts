import { Logger } from '@nestjs/common';
import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from './keyed-lock';
import { BrokenChainError, handleCommand } from './command-handler';
import { EventStore } from '../event-store/event-store.port';
import { MemoryEventStore } from '../event-store/memory.event-store';

type Counted = { type: 'Counted'; data: { n: number } };
const counter = {
  initialState: 0,
  evolve: (n: number) => n + 1,
  decide: (_: 'count', n: number): Counted[] => [{ type: 'Counted', data: { n } }],
};
const context = () => ({ commandId: `c-${Math.random()}`, metadata: {} });

describe('handleCommand with a revision precondition (If-Match)', () => {
  const run = (store: EventStore, ifRevisionIn?: bigint[]) =>
    handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context(), { ifRevisionIn });

  it('runs while the stream is at an allowed revision, and refuses otherwise without appending', async () => {
    const store = new MemoryEventStore();
    await run(store);
    await run(store, [0n]);
    await expect(run(store, [0n])).rejects.toMatchObject({ kind: 'precondition_failed', details: { current_etag: '"1"' } });
    await expect(run(store, [])).rejects.toMatchObject({ kind: 'precondition_failed' });
    expect(await store.readStream('s-1')).toHaveLength(2);
  });

  it('a missing stream never meets a revision precondition', async () => {
    await expect(run(new MemoryEventStore(), [0n])).rejects.toMatchObject({ kind: 'precondition_failed', details: { current_etag: null } });
  });

  it('a writer that wins the race between read and append turns the retry into a refusal', async () => {
    const store = new MemoryEventStore();
    await run(store);
    // Another process appends right after our read: our append conflicts, the retry re-reads and re-checks.
    const racing = Object.create(store) as EventStore;
    let raced = false;
    racing.append = async (stream, events, options) => {
      // The other process writes through its own command path (and lock), so its event extends the chain.
      if (!raced) ((raced = true), await handleCommand(store, new KeyedLock(), testChainKey, stream, counter, 'count', context()));
      return store.append(stream, events, options);
    };
    await expect(run(racing, [0n])).rejects.toMatchObject({ kind: 'precondition_failed', details: { current_etag: '"1"' } });
    expect(await store.readStream('s-1')).toHaveLength(2);
  });
});

describe('handleCommand with a command id that already wrote (a keyed request retried)', () => {
  it('writes nothing and answers the events that command wrote, even after other writes', async () => {
    const store = new MemoryEventStore();
    const lock = new KeyedLock();
    const keyed = { commandId: 'keyed-1', metadata: { causationId: 'keyed-1' } };
    const first = await handleCommand(store, lock, testChainKey, 's-1', counter, 'count', keyed);
    await handleCommand(store, lock, testChainKey, 's-1', counter, 'count', context());
    const again = await handleCommand(store, lock, testChainKey, 's-1', counter, 'count', keyed, { ifRevisionIn: [0n] });
    expect(await store.readStream('s-1')).toHaveLength(2);
    expect(again.events).toEqual(first.events);
    expect(again.result).toEqual(first.result);
  });
});

describe('handleCommand on a stream whose hash chain is broken at its end', () => {
  const run = (store: EventStore) => handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context());

  it('refuses to extend an event written around the command path (no hash), appending nothing', async () => {
    const store = new MemoryEventStore();
    await run(store);
    await store.append('s-1', [{ type: 'Counted', data: { n: 99 } }], { expectedRevision: 'any' });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const refused = run(store);
    await expect(refused).rejects.toBeInstanceOf(BrokenChainError);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/s-1 cannot take writes: its hash chain is broken at revision 1/));
    logged.mockRestore();
    await expect(refused).rejects.toMatchObject({
      stream: 's-1',
      revision: 1n,
      reason: expect.stringMatching(/an unkeyed \(scheme 1\) event after keyed ones/),
    });
    expect(await store.readStream('s-1')).toHaveLength(2);
  });

  it('refuses to extend an event whose data was changed after it was written (hash kept)', async () => {
    const store = new MemoryEventStore();
    await run(store);
    await run(store);
    const [, last] = await store.readStream('s-1');
    (last.data as { n: number }).n = 42; // the memory store hands out its own objects: an in-place edit
    await expect(run(store)).rejects.toBeInstanceOf(BrokenChainError);
  });

  it('extends a sound chain, the first event of a stream included', async () => {
    const store = new MemoryEventStore();
    for (let i = 0; i < 3; i++) await run(store);
    expect(await store.readStream('s-1')).toHaveLength(3);
  });
});

describe('handleCommand on conflicts and on streams changed behind its back', () => {
  it('pauses before each retry after a conflict (growing backoff), and gives up after 5 attempts', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context());
    const conflicting = Object.create(store) as EventStore;
    // Every append loses the race: another writer appends first.
    conflicting.append = async (stream, events, options) => {
      // The other writer goes through its own command path, so its event extends the chain.
      await handleCommand(store, new KeyedLock(), testChainKey, stream, counter, 'count', context());
      return store.append(stream, events, options);
    };
    const waits: number[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      waits.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    try {
      await expect(handleCommand(conflicting, new KeyedLock(), testChainKey, 's-1', counter, 'count', context())).rejects.toMatchObject({
        name: 'WrongExpectedVersionError',
      });
    } finally {
      spy.mockRestore();
    }
    expect(waits).toHaveLength(4);
    for (const w of waits) expect(w).toBeGreaterThan(0);
    // Doubling with jitter in [d/2, d]: each pause's ceiling is twice the previous one's.
    expect(waits[3]).toBeGreaterThan(waits[0]);
  });

  it('refuses a stream whose first readable revision is not 0 (truncated by $tb/$maxCount)', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context());
    await handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context());
    const truncated = Object.create(store) as EventStore;
    truncated.readStream = async (stream, options) => (await store.readStream(stream, options)).slice(1);
    await expect(handleCommand(truncated, new KeyedLock(), testChainKey, 's-1', counter, 'count', context())).rejects.toMatchObject({
      name: 'StreamDeletedError',
      how: 'truncated',
    });
    expect(await store.readStream('s-1')).toHaveLength(2);
  });
});
