import { testChainKey, ticketCreatedData } from '../../../test/support/recorded-events';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { verifyChain } from '../../platform/event-store/hash-chain';
import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { MIGRATION_CHUNK, TICKET_NUMBERING_MIGRATED_STREAM, migrateTicketNumbers } from './ticket-number.migration';
import { ticketNumbers, ticketStream } from './ticket.events';

/** A log as the code before recorded numbers wrote it: TicketCreated without ticket_id, companies interleaved. */
async function legacyStore(perCompany: Record<string, number>): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  const left = { ...perCompany };
  for (let i = 0; Object.values(left).some((n) => n > 0); i++) {
    for (const company of Object.keys(left)) {
      if (left[company]-- <= 0) continue;
      const id = `${company}-${i}`;
      await store.append(ticketStream(id), [{ type: 'TicketCreated', data: ticketCreatedData({ id, company_id: company }) }], {
        expectedRevision: 'no_stream',
      });
    }
  }
  return store;
}

describe('migrateTicketNumbers', () => {
  it('records each company its log-order numbers once, in chunks, even when two instances run it at once', async () => {
    const store = await legacyStore({ '1': MIGRATION_CHUNK + 3, '2': 4 });
    const [a, b] = await Promise.all([
      migrateTicketNumbers(store, new KeyedLock(), testChainKey),
      migrateTicketNumbers(store, new KeyedLock(), testChainKey),
    ]);
    expect(a).toEqual({ companies: 2, tickets: MIGRATION_CHUNK + 7 });
    expect(b).toEqual(a);
    const one = await store.readStream(ticketNumbers('1'));
    expect(one.map((e) => e.data.last)).toEqual([MIGRATION_CHUNK, MIGRATION_CHUNK + 3]);
    const numbers = one.flatMap((e) => e.data.tickets as { id: string; ticket_id: string }[]);
    expect(numbers).toHaveLength(MIGRATION_CHUNK + 3);
    expect(numbers.every((n, i) => n.id === `1-${i}` && n.ticket_id === String(i + 1))).toBe(true);
    expect(verifyChain(one, undefined, { key: testChainKey.key }).valid).toBe(true);
    expect((await store.readStream(ticketNumbers('2')))[0].data).toEqual({
      company_id: '2',
      tickets: [0, 1, 2, 3].map((i) => ({ id: `2-${i}`, ticket_id: String(i + 1) })),
      last: 4,
    });
    expect(await store.readStream(TICKET_NUMBERING_MIGRATED_STREAM)).toHaveLength(1);
    // Done once: a later start reads the marker and nothing else.
    expect(await migrateTicketNumbers(store, new KeyedLock(), testChainKey)).toEqual({ companies: 0, tickets: 0 });
  });

  it('writes nothing on a store whose tickets carry their numbers', async () => {
    const store = new MemoryEventStore();
    await store.append(ticketStream('t'), [{ type: 'TicketCreated', data: ticketCreatedData({ id: 't', ticket_id: '1' }) }], {
      expectedRevision: 'no_stream',
    });
    expect(await migrateTicketNumbers(store, new KeyedLock(), testChainKey)).toEqual({ companies: 0, tickets: 0 });
    expect(await store.readAll()).toHaveLength(1);
  });
});
