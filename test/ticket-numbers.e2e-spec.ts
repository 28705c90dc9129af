import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TicketProjection } from '../src/modules/tickets/read-model/ticket.projection';
import { ticketNumbers } from '../src/modules/tickets/ticket.events';
import { EventStore, RecordedEvent } from '../src/platform/event-store/event-store.port';
import { ChainKey, verifyChain } from '../src/platform/event-store/hash-chain';
import { SqliteDatabase, openSqlite } from '../src/platform/sqlite/sqlite-database';
import { EsdbTestServer, startEsdbTestServer } from './support/esdb-test-server';
import { AppKey, TestApp, onStores, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';
const COMPANY_OF: Record<AppKey, string> = { a: '1', b: '1', c: '2' };

/** The signed-in storefront user who opens every ticket here (and so may read it back). */
const USER = 'numbers-user';
const create = (t: TestApp, app: AppKey, title: string) =>
  t.app.inject({
    method: 'POST',
    url: `${BASE}/ticket/`,
    headers: { ...storefrontAuth(app, USER), 'user-agent': 'jest-e2e', 'content-type': 'application/json' },
    payload: { category: 'order-issue', content: { title } },
  });

/** Every TicketCreated in the log: the ticket's _id and the number it carries. */
async function recordedNumbers(store: EventStore): Promise<Map<string, string | undefined>> {
  const created = (await store.readAll()).filter((e) => e.type === 'TicketCreated');
  return new Map(created.map((e) => [e.data.id as string, e.data.ticket_id as string | undefined]));
}

/** A rebuild of the tickets read model from whatever the log holds now, into a fresh database. */
function rebuildTickets(events: readonly RecordedEvent[]): SqliteDatabase {
  const db = openSqlite(':memory:');
  const projection = new TicketProjection();
  projection.init(db);
  for (const event of events) projection.apply(event);
  return db;
}

describe('ticket numbers recorded in the events (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());

  it('200 concurrent creates across companies get unique numbers, 1..n per company without gaps, recorded in TicketCreated', async () => {
    const apps: AppKey[] = ['a', 'b', 'c'];
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => create(t, apps[i % 3], `concurrent ${i}`)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(200).fill(201));
    const byCompany = new Map<string, number[]>();
    answers.forEach((r, i) => {
      const company = COMPANY_OF[apps[i % 3]];
      byCompany.set(company, [...(byCompany.get(company) ?? []), Number(r.json().ticket_id)]);
    });
    for (const numbers of byCompany.values()) {
      expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    }
    // What each create answered is what its event says, so every reader of the log sees the same number.
    const recorded = await recordedNumbers(t.store);
    for (const r of answers) expect(recorded.get(r.json()._id)).toBe(r.json().ticket_id);
  });

  onStores('sqlite')('a rebuild after a ticket stream was deleted keeps every other ticket its number', async () => {
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push((await create(t, 'c', `to delete or keep ${i}`)).json());
    const victim = opened[1];
    // What an EventStoreDB scavenge after a stream delete does to a reader: the stream's events are gone.
    const file = t.settings.databaseFile;
    const raw = openSqlite(file);
    raw.prepare('DELETE FROM es_events WHERE stream_id = ?').run(`ticket-${victim._id}`);
    raw.close();
    const rebuilt = rebuildTickets(await t.store.readAll());
    const numberOf = rebuilt.prepare<[string], { number: number }>('SELECT number FROM rm_tickets WHERE id = ?');
    expect(numberOf.get(victim._id)).toBeUndefined();
    for (const ticket of opened.filter((o) => o !== victim)) expect(String(numberOf.get(ticket._id)?.number)).toBe(ticket.ticket_id);
    // And the live service still answers the numbers it gave.
    for (const ticket of opened.filter((o) => o !== victim)) {
      const res = await t.app.inject({ method: 'GET', url: `${BASE}/ticket/${ticket._id}`, headers: storefrontAuth('c', USER) });
      expect(res.json().ticket_id).toBe(ticket.ticket_id);
    }
  });
});

describe('ticket numbers on EventStoreDB with two instances (wire-level test server)', () => {
  let server: EsdbTestServer;
  const instances: TestApp[] = [];
  beforeAll(async () => {
    server = await startEsdbTestServer({ batchAppend: true });
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'lead-e2e-numbers-'));
      // Instances of one store share the audit key (docs/operations.md): every chain link is keyed with it.
      instances.push(
        await startTestApp(
          { store: 'eventstoredb', eventStoreDbUrl: server.connectionString, auditKey: 'numbers-e2e-audit-key-of-at-least-32-chars' },
          dir,
        ),
      );
    }
  });
  afterAll(async () => {
    // dispose: also stops the server startTestApp gives each data directory when the suite runs on eventstoredb.
    for (const instance of instances) await instance.dispose();
    await server.stop();
  });

  it('creates on both instances at once get unique numbers per company, reserved in the company sequence stream, and both instances show them', async () => {
    const [one, two] = instances;
    const apps: AppKey[] = ['a', 'c'];
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => create(i % 2 ? one : two, apps[Math.floor(i / 2) % 2], `two instances ${i}`)),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array(60).fill(201));
    for (const company of ['1', '2']) {
      const numbers = answers.filter((r) => r.json().context.company_id === company).map((r) => Number(r.json().ticket_id));
      expect(new Set(numbers).size).toBe(numbers.length);
      // Nothing failed between a reservation and its ticket here, so there is no gap either.
      expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
      const sequence = await one.store.readStream(ticketNumbers(company));
      expect(sequence.map((e) => e.data.last)).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
      expect(verifyChain(sequence, undefined, { key: one.app.get(ChainKey).key }).valid).toBe(true);
    }
    const recorded = await recordedNumbers(one.store);
    for (const r of answers) expect(recorded.get(r.json()._id)).toBe(r.json().ticket_id);
    // Each instance has its own read models; once caught up both show every ticket with its number.
    for (const instance of instances) {
      for (const r of answers) {
        const { _id, ticket_id, context } = r.json();
        const app = context.company_id === '1' ? 'a' : 'c';
        let seen: string | undefined;
        for (let i = 0; i < 100 && seen === undefined; i++) {
          const res = await instance.app.inject({ method: 'GET', url: `${BASE}/ticket/${_id}`, headers: storefrontAuth(app, USER) });
          if (res.statusCode === 200) seen = res.json().ticket_id;
          else await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(seen).toBe(ticket_id);
      }
    }
  });
});

describe('GET ticket answers the stored document text (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());

  it('sends the read model document as stored, byte for byte, as JSON, on the storefront and staff routes', async () => {
    const ticket = (await create(t, 'a', 'sent as stored')).json();
    // Stored with a layout JSON.stringify never produces: a parse and re-serialisation would change it.
    const raw = openSqlite(t.settings.databaseFile);
    const stored = JSON.stringify(
      JSON.parse((raw.prepare('SELECT doc FROM rm_tickets WHERE id = ?').get(ticket._id) as { doc: string }).doc),
      null,
      1,
    );
    raw.prepare('UPDATE rm_tickets SET doc = ? WHERE id = ?').run(stored, ticket._id);
    raw.close();
    const staff = await staffAuth(t, 'one');
    for (const [url, headers] of [
      [`${BASE}/ticket/${ticket._id}`, storefrontAuth('a', USER)],
      [`/service/platform/lead/v1.0/company/1/ticket/${ticket._id}`, staff],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.etag).toBe('"0"');
      expect(res.body).toBe(stored);
    }
    // The staff list assembles its answer around the stored texts too.
    const list = await t.app.inject({ method: 'GET', url: '/service/platform/lead/v1.0/company/1/ticket?page_size=1', headers: staff });
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(list.body.startsWith(`{"items":[${stored}],"page":{`)).toBe(true);
    expect(list.json()).toMatchObject({
      items: [{ _id: ticket._id }],
      page: { current: 1, size: 1 },
      filters: { statuses: expect.any(Array) },
    });
  });
});
