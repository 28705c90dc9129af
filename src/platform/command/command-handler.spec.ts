import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from './keyed-lock';
import { handleCommand } from './command-handler';
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
  const run = (store: EventStore, ifRevisionIn?: bigint[]) => handleCommand(store, new KeyedLock(), testChainKey, 's-1', counter, 'count', context(), { ifRevisionIn });

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
      if (!raced) (raced = true), await store.append(stream, [{ type: 'Counted', data: { n: -1 } }], { expectedRevision: 'any' });
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

