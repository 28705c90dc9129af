import { KeyedLock } from '../command/keyed-lock';
import { Decider, handleCommand } from '../command/command-handler';
import { RecordedEvent } from './event-store.port';
import { MemoryEventStore } from './memory.event-store';
import { verifyChain } from './hash-chain';

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
      await handleCommand(store, lock, 's-1', notes, `note ${i}`, { commandId: `c${i}`, metadata: { occurredAt: `t${i}`, actor: { type: 'system', id: 'x' } } });
    }
    return store.readStream('s-1');
  };
  const clone = (events: RecordedEvent[]) => events.map((e) => ({ ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) }));

  it('every appended event carries a hash that verifies', async () => {
    const events = await write(5);
    expect(events.every((e) => typeof e.metadata.hash === 'string' && e.metadata.hash.length === 64)).toBe(true);
    expect(verifyChain(events, 4n)).toMatchObject({ valid: true, events: 5 });
  });

  it('names the event whose data was edited', async () => {
    const events = clone(await write(5));
    (events[2].data as { text: string }).text = 'rewritten';
    expect(verifyChain(events)).toMatchObject({ valid: false, brokenAt: { revision: '2', eventId: events[2].id } });
  });

  it('names the event whose metadata (actor, time) was edited', async () => {
    const events = clone(await write(3));
    (events[1].metadata as Record<string, unknown>).actor = { type: 'system', id: 'someone-else' };
    expect(verifyChain(events)).toMatchObject({ valid: false, brokenAt: { revision: '1' } });
  });

  it('detects a removed event, a reordering and a cut end', async () => {
    const events = await write(5);
    expect(verifyChain([events[0], events[1], events[3], events[4]])).toMatchObject({ valid: false, brokenAt: { revision: '3' } });
    expect(verifyChain([events[0], events[2], events[1], events[3]])).toMatchObject({ valid: false, brokenAt: { revision: '2' } });
    expect(verifyChain(events.slice(0, 4), 4n)).toMatchObject({ valid: false });
  });

  it('detects a re-hashed forgery only by breaking the next link', async () => {
    const events = clone(await write(3));
    // Whoever rewrites event 1 and recomputes its own hash still breaks event 2's link.
    (events[1].data as { text: string }).text = 'forged';
    const { eventHash } = await import('./hash-chain');
    (events[1].metadata as Record<string, unknown>).hash = eventHash(events[0].metadata.hash as string, events[1]);
    expect(verifyChain(events)).toMatchObject({ valid: false, brokenAt: { revision: '2' } });
  });
});
