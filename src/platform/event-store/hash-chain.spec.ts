import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from '../command/keyed-lock';
import { Decider, handleCommand } from '../command/command-handler';
import { RecordedEvent } from './event-store.port';
import { MemoryEventStore } from './memory.event-store';
import { NoAuditKeyError, eventHash as unkeyedHash, verifyChain } from './hash-chain';

const KEY = testChainKey.key;

type Noted = { type: 'Noted'; data: { text: string } };
const notes: Decider<string, number, Noted> = {
  initialState: 0,
  evolve: (n) => n + 1,
  decide: (text) => [{ type: 'Noted', data: { text } }],
};

describe('hash chain', () => {
  const write = async (count: number): Promise<RecordedEvent[]> => {
    const store = new MemoryEventStore();
    const lock = new KeyedLock();
    for (let i = 0; i < count; i++) {
      await handleCommand(store, lock, testChainKey, 's-1', notes, `note ${i}`, {
        commandId: `c${i}`,
        metadata: { occurredAt: `t${i}`, actor: { type: 'system', id: 'x' } },
      });
    }
    return store.readStream('s-1');
  };
  const clone = (events: RecordedEvent[]) =>
    events.map((e) => ({ ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) }));

  it('every appended event carries a hash that verifies', async () => {
    const events = await write(5);
    expect(events.every((e) => typeof e.metadata.hash === 'string' && e.metadata.hash.length === 64)).toBe(true);
    expect(verifyChain(events, 4n, { key: KEY })).toMatchObject({ valid: true, events: 5 });
  });

  it('names the event whose data was edited', async () => {
    const events = clone(await write(5));
    (events[2].data as { text: string }).text = 'rewritten';
    expect(verifyChain(events, undefined, { key: KEY })).toMatchObject({
      valid: false,
      brokenAt: { revision: '2', eventId: events[2].id },
    });
  });

  it('names the event whose metadata (actor, time) was edited', async () => {
    const events = clone(await write(3));
    (events[1].metadata as Record<string, unknown>).actor = { type: 'system', id: 'someone-else' };
    expect(verifyChain(events, undefined, { key: KEY })).toMatchObject({ valid: false, brokenAt: { revision: '1' } });
  });

  it('detects a removed event, a reordering and a cut end', async () => {
    const events = await write(5);
    expect(verifyChain([events[0], events[1], events[3], events[4]], undefined, { key: KEY })).toMatchObject({
      valid: false,
      brokenAt: { revision: '3' },
    });
    expect(verifyChain([events[0], events[2], events[1], events[3]], undefined, { key: KEY })).toMatchObject({
      valid: false,
      brokenAt: { revision: '2' },
    });
    expect(verifyChain(events.slice(0, 4), 4n, { key: KEY })).toMatchObject({ valid: false });
  });

  it('names a re-hashed forgery at the event itself: without the key its own link fails (scheme 1 chains only broke at the next link)', async () => {
    const events = clone(await write(3));
    // Whoever rewrites event 1 and recomputes its hash without the key makes a link that does not verify.
    (events[1].data as { text: string }).text = 'forged';
    const { eventHash } = await import('./hash-chain');
    (events[1].metadata as Record<string, unknown>).hash = eventHash(events[0].metadata.hash as string, events[1]);
    expect(verifyChain(events, undefined, { key: KEY })).toMatchObject({ valid: false, brokenAt: { revision: '1' } });
  });

  it('keyed links (scheme 2) need the key: a verifier without it cannot pass them, a forger without it cannot make them', async () => {
    const events = clone(await write(3));
    expect(events.map((e) => e.metadata.hashScheme)).toEqual([2, 2, 2]);
    expect(() => verifyChain(events)).toThrow(NoAuditKeyError);
    expect(verifyChain(events, undefined, { key: Buffer.from('another key of at least 32 characters') })).toMatchObject({
      valid: false,
      brokenAt: { revision: '0' },
    });
    // The forger recomputes every link of a rewritten event without the key: as scheme 1 ...
    (events[1].data as { text: string }).text = 'forged';
    for (const i of [1, 2]) {
      const { hashScheme: _dropped, hash: _old, ...metadata } = events[i].metadata;
      (events[i] as { metadata: object }).metadata = {
        ...metadata,
        hash: unkeyedHash(events[i - 1].metadata.hash as string, { ...events[i], metadata }),
      };
    }
    expect(verifyChain(events, undefined, { key: KEY })).toMatchObject({
      valid: false,
      brokenAt: { revision: '1' },
      reason: expect.stringContaining('unkeyed (scheme 1) event after keyed ones'),
    });
  });

  it("a whole stream of unkeyed links written after the log's first keyed event is a downgrade forgery", async () => {
    const keyed = await write(1);
    const metadata = {};
    const forged = {
      ...keyed[0],
      streamName: 's-new',
      id: 'x',
      position: { commit: 5n, prepare: 5n },
      metadata: { ...metadata, hash: '' },
    };
    (forged as { metadata: object }).metadata = { hash: unkeyedHash('0'.repeat(64), { ...forged, metadata }) };
    expect(verifyChain([forged], undefined, { key: KEY })).toMatchObject({ valid: true });
    expect(verifyChain([forged], undefined, { key: KEY, keyedFrom: keyed[0].position })).toMatchObject({
      valid: false,
      reason: expect.stringContaining('unkeyed'),
    });
  });
});
