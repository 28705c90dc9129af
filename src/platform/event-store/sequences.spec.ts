import { KeyedLock } from '../command/keyed-lock';
import { openSqlite } from '../sqlite/sqlite-database';
import { EventStore, WrongExpectedVersionError } from './event-store.port';
import { verifyChain } from './hash-chain';
import { MemoryEventStore } from './memory.event-store';
import { SequenceEventType, appendNumbered } from './sequences';
import { SqliteEventStore } from './sqlite.event-store';

const numbered = (n: number) => [{ type: 'Numbered', data: { n } }];
const metadata = { actor: { type: 'system', id: 'spec' } } as const;
const context = (commandId: string, lock = new KeyedLock()) => ({ commandId, metadata, lock });

/** The same store without its own numbered append: what EventStoreDB looks like to `appendNumbered`. */
function withoutNativeNumbering(store: EventStore): EventStore {
  return {
    maxAppendSize: store.maxAppendSize,
    lastPosition: () => store.lastPosition(),
    append: (s, e, o) => store.append(s, e, o),
    readStream: (s, o) => store.readStream(s, o),
    readAll: (o) => store.readAll(o),
    subscribeToAll: (o) => store.subscribeToAll(o),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

const numbersIn = async (store: EventStore, streams: string[]) =>
  (await Promise.all(streams.map((s) => store.readStream(s)))).map((events) => events[0]?.data.n as number | undefined);

describe.each([
  ['sqlite', () => new SqliteEventStore(openSqlite(':memory:'))],
  ['memory', () => new MemoryEventStore()],
])('appendNumbered on the %s store (in the append)', (_name, open) => {
  it('gives concurrent appends consecutive numbers, and a refused append takes none (gapless)', async () => {
    const store = open();
    const streams = Array.from({ length: 50 }, (_, i) => `s-${i}`);
    // s-7 exists already: its numbered append at no_stream is refused and must burn no number.
    await store.append('s-7', [{ type: 'Other', data: {} }], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled(
      streams.map((s) => appendNumbered(store, s, { sequence: 'seq-a', build: numbered }, { expectedRevision: 'no_stream' }, context(s))),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([
      expect.any(WrongExpectedVersionError),
    ]);
    const numbers = (
      await numbersIn(
        store,
        streams.filter((s) => s !== 's-7'),
      )
    ).sort((a, b) => a! - b!);
    expect(numbers).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    // The next one goes on from 49, and another sequence starts on its own.
    const next = await appendNumbered(
      store,
      'late',
      { sequence: 'seq-a', build: numbered },
      { expectedRevision: 'no_stream' },
      context('late'),
    );
    const other = await appendNumbered(
      store,
      'other',
      { sequence: 'seq-b', build: numbered },
      { expectedRevision: 'no_stream' },
      context('other'),
    );
    expect([next.number, other.number]).toEqual([50, 1]);
    // Nothing is written to the sequence's stream: the number lives in the events and the adapter's counter.
    expect(await store.readStream('seq-a')).toEqual([]);
  });

  it('goes on from the last number its stream records (a migration), and answers a replay with no number', async () => {
    const store = open();
    await store.append('seq', [{ type: 'Start', data: { last: 41 } }], { expectedRevision: 'no_stream' });
    const build = (n: number) => [{ id: '9d3b3c4e-1a57-4a39-9f3c-5b8e2f0c1d2e', type: 'Numbered', data: { n } }];
    const first = await appendNumbered(store, 's', { sequence: 'seq', build }, { expectedRevision: 'no_stream' }, context('c'));
    expect(first.number).toBe(42);
    const replay = await appendNumbered(store, 's', { sequence: 'seq', build }, { expectedRevision: 'no_stream' }, context('c'));
    expect(replay).toEqual({ ...first, number: undefined });
    const after = await appendNumbered(store, 't', { sequence: 'seq', build: numbered }, { expectedRevision: 'no_stream' }, context('d'));
    expect(after.number).toBe(43); // the replay burnt nothing
  });
});

describe('appendNumbered on a store without it (EventStoreDB): reserved through the sequence stream', () => {
  it('two instances taking numbers at once get unique, increasing numbers, each reservation a chained event', async () => {
    const shared = new MemoryEventStore();
    const store = withoutNativeNumbering(shared);
    // Two instances: one store, a lock each, so only the expected revision keeps them apart.
    const locks = [new KeyedLock(), new KeyedLock()];
    const streams = Array.from({ length: 40 }, (_, i) => `t-${i}`);
    const results = await Promise.all(
      streams.map((s, i) =>
        appendNumbered(store, s, { sequence: 'seq', build: numbered }, { expectedRevision: 'no_stream' }, context(s, locks[i % 2])),
      ),
    );
    const numbers = await numbersIn(store, streams);
    expect(numbers).toEqual(results.map((r) => r.number));
    expect([...numbers].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const reservations = await store.readStream('seq');
    expect(reservations.map((e) => e.type)).toEqual(Array(40).fill(SequenceEventType.NumberReserved));
    expect(reservations.map((e) => e.data.last)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(verifyChain(reservations).valid).toBe(true);
    expect(reservations[0].metadata).toMatchObject(metadata);
  });

  it('a reservation whose append is refused leaves a gap, and the next number is still unique', async () => {
    const store = withoutNativeNumbering(new MemoryEventStore());
    await store.append('taken', [{ type: 'Other', data: {} }], { expectedRevision: 'no_stream' });
    const claim = { sequence: 'seq', build: numbered };
    await expect(appendNumbered(store, 'taken', claim, { expectedRevision: 'no_stream' }, context('a'))).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    const next = await appendNumbered(store, 'free', claim, { expectedRevision: 'no_stream' }, context('b'));
    expect(next.number).toBe(2);
  });
});
