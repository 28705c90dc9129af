import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import { CorruptEventError, RecordedEvent } from '../../src/platform/event-store/event-store.port';
import { toRecorded } from '../../src/platform/event-store/eventstoredb.mapping';
import { EventStoreDbEventStore } from '../../src/platform/event-store/eventstoredb.event-store';
import { EsdbTestServer, startEsdbTestServer } from '../support/esdb-test-server';

/** What the contract does not pin but the EventStoreDB adapter promises: no system events, the server's metadata conventions. */
describe('EventStoreDB adapter specifics', () => {
  let server: EsdbTestServer;
  let client: EventStoreDBClient;
  let store: EventStoreDbEventStore;

  beforeAll(async () => {
    server = await startEsdbTestServer({ batchAppend: true, systemEventEvery: 1 });
    client = EventStoreDBClient.connectionString(server.connectionString);
    store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString));
  });
  afterAll(async () => {
    await store?.close();
    await client?.dispose();
    await server?.stop();
  });

  it('hands out none of the system events that sit in $all, in reads and in subscriptions', async () => {
    const { position: start } = await store.append(`mark-${randomUUID()}`, [{ type: 'Marked', data: {} }], {
      expectedRevision: 'no_stream',
    });
    const s = `sys-${randomUUID()}`;
    for (let n = 0; n < 5; n++) await store.append(s, [{ type: 'Counted', data: { n } }], { expectedRevision: 'any' });

    const raw = [];
    for await (const { event } of client.readAll({ fromPosition: start, direction: FORWARDS, maxCount: 100 })) raw.push(event!.type);
    expect(raw.filter((t) => t.startsWith('$')).length).toBeGreaterThanOrEqual(5); // the test means something

    const read = await store.readAll({ fromPosition: start });
    expect(read.map((e) => e.type)).toEqual(['Counted', 'Counted', 'Counted', 'Counted', 'Counted']);

    const sub = store.subscribeToAll({ fromPosition: start });
    const seen: RecordedEvent[] = [];
    for await (const e of sub) {
      seen.push(e);
      if (e.streamName === s && e.revision === 4n) break;
    }
    await sub.close();
    expect(seen.map((e) => e.type)).toEqual(['Counted', 'Counted', 'Counted', 'Counted', 'Counted']);
  });

  it('lastPosition() is the newest event that is not a system event', async () => {
    const s = `last-${randomUUID()}`;
    const { position } = await store.append(s, [{ type: 'Counted', data: { n: 1 } }], { expectedRevision: 'no_stream' });
    expect(await store.lastPosition()).toEqual(position);
  });

  it('an event whose JSON the client could not parse is a CorruptEventError naming it, not data of the wrong shape', () => {
    // What @eventstore/db-client hands out for malformed JSON: the raw text as data, the raw bytes as metadata.
    const base = {
      id: 'e-1',
      streamId: 'ticket-x',
      type: 'TicketCreated',
      revision: 3n,
      isJson: true,
      position: { commit: 9n, prepare: 9n },
      created: new Date(),
    };
    expect(() => toRecorded({ ...base, data: '{not json', metadata: undefined } as never)).toThrow(CorruptEventError);
    expect(() => toRecorded({ ...base, data: {}, metadata: Buffer.from('{not json') } as never)).toThrow(
      /ticket-x revision 3, position 9\) cannot be read: its metadata is not JSON/,
    );
    expect(toRecorded({ ...base, data: { ok: true }, metadata: { hash: 'h' } } as never)).toMatchObject({
      data: { ok: true },
      metadata: { hash: 'h' },
    });
  });

  it('writes $correlationId / $causationId for the server projections and reads metadata back as written', async () => {
    const s = `meta-${randomUUID()}`;
    const metadata = { correlationId: 'corr-9', causationId: 'cause-9', actor: { type: 'system' as const, id: 'x' } };
    await store.append(s, [{ type: 'Tagged', data: {}, metadata }], { expectedRevision: 'no_stream' });
    const [wire] = await collect(client.readStream(s, { fromRevision: START }));
    expect(wire.event?.metadata).toMatchObject({ $correlationId: 'corr-9', $causationId: 'cause-9' });
    const [read] = await store.readStream(s);
    expect(read.metadata).toEqual(metadata);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
