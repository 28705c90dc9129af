import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TicketProjection } from '../src/modules/tickets/read-model/ticket.projection';
import { TICKET_NUMBERING_MIGRATED_STREAM } from '../src/modules/tickets/ticket-number.migration';
import { ticketNumbers } from '../src/modules/tickets/ticket.events';
import { ChainKey, verifyChain } from '../src/platform/event-store/hash-chain';
import { openSqlite } from '../src/platform/sqlite/sqlite-database';
import { AppKey, TestApp, onStores, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';
const FIXTURE = join(__dirname, 'fixtures', 'legacy-store');
/** The tickets in the fixture store and the numbers main's code answered for them (make-fixture.ts). */
const LEGACY = JSON.parse(readFileSync(join(FIXTURE, 'tickets.json'), 'utf8')) as { app: AppKey; _id: string; ticket_id: string }[];

/**
 * A store written by main before numbers were recorded in TicketCreated (test/fixtures/legacy-store), its
 * log and read models as that code left them, opened by this version. SQLite only: the fixture is the file.
 */
describe('ticket numbers of a store written before they were recorded (end to end)', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lead-e2e-migration-'));
    copyFileSync(join(FIXTURE, 'lead.db'), join(dir, 'lead.db'));
  });
  afterAll(async () => t?.dispose());

  // Read as the company's staff: the fixture's storefront tickets were opened anonymously, before access keys.
  const get = async (app: AppKey, id: string) =>
    t.app.inject({
      method: 'GET',
      url: `/service/platform/lead/v1.0/company/${app === 'c' ? '2' : '1'}/ticket/${id}`,
      headers: await staffAuth(t, app === 'c' ? 'two' : 'one'),
    });
  const migrationEvents = async () =>
    (await t.store.readAll()).filter((e) => e.type === 'TicketNumbersMigrated' || e.type === 'TicketNumberingMigrated');

  onStores('sqlite')('every ticket keeps its number, recorded once per company in its sequence stream', async () => {
    const before = openSqlite(join(dir, 'lead.db'));
    expect(
      before
        .prepare("SELECT count(*) AS n FROM es_events WHERE type = 'TicketCreated' AND json_extract(data, '$.ticket_id') IS NOT NULL")
        .get(),
    ).toEqual({ n: 0 });
    before.close();
    t = await startTestApp({}, dir);
    for (const ticket of LEGACY) expect((await get(ticket.app, ticket._id)).json().ticket_id).toBe(ticket.ticket_id);
    for (const company of ['1', '2']) {
      const sequence = await t.store.readStream(ticketNumbers(company));
      const legacy = LEGACY.filter((l) => (l.app === 'c' ? '2' : '1') === company);
      expect(sequence.map((e) => e.type)).toEqual(['TicketNumbersMigrated']);
      expect(sequence[0].data).toEqual({
        company_id: company,
        tickets: legacy.map(({ _id, ticket_id }) => ({ id: _id, ticket_id })),
        last: legacy.length,
      });
      expect(sequence[0].metadata).toMatchObject({
        actor: { type: 'system', id: 'ticket-number-migration' },
        tenant: { companyId: company },
      });
      expect(verifyChain(sequence, undefined, { key: t.app.get(ChainKey).key }).valid).toBe(true);
    }
    expect(await t.store.readStream(TICKET_NUMBERING_MIGRATED_STREAM)).toHaveLength(1);
  });

  onStores('sqlite')('new tickets go on from the last recorded number of their company, and a restart migrates nothing again', async () => {
    const one = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: storefrontAuth('b'),
      payload: { category: 'order-issue', content: { title: 'after the upgrade' } },
    });
    const two = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: storefrontAuth('c'),
      payload: { category: 'order-issue', content: { title: 'after the upgrade' } },
    });
    expect([one.json().ticket_id, two.json().ticket_id]).toEqual(['7', '4']);
    const migrated = (await migrationEvents()).length;
    await t.close();
    t = await startTestApp({}, dir);
    expect(await migrationEvents()).toHaveLength(migrated);
    for (const ticket of LEGACY) expect((await get(ticket.app, ticket._id)).json().ticket_id).toBe(ticket.ticket_id);
    expect((await get('b', one.json()._id)).json().ticket_id).toBe('7');
    // The comment on the first legacy ticket still names its number.
    const history = await t.app.inject({
      method: 'GET',
      url: `/service/platform/lead/v1.0/company/1/ticket/${LEGACY[0]._id}/history`,
      headers: await staffAuth(t, 'one'),
    });
    expect(history.json().items.map((h: { ticket_id: string }) => h.ticket_id)).toEqual(['1']);
  });

  onStores('sqlite')('a rebuild after an older ticket was deleted keeps every other number, from the migration record', async () => {
    const victim = LEGACY[2]; // company 1, number 2
    const raw = openSqlite(join(dir, 'lead.db'));
    raw.prepare('DELETE FROM es_events WHERE stream_id = ?').run(`ticket-${victim._id}`);
    raw.close();
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    for (const event of await t.store.readAll()) projection.apply(event);
    const numberOf = db.prepare<[string], { number: number; doc: string }>('SELECT number, doc FROM rm_tickets WHERE id = ?');
    for (const ticket of LEGACY.filter((l) => l !== victim)) {
      expect(String(numberOf.get(ticket._id)?.number)).toBe(ticket.ticket_id);
      expect(JSON.parse(numberOf.get(ticket._id)!.doc).ticket_id).toBe(ticket.ticket_id);
    }
    expect(numberOf.get(victim._id)).toBeUndefined();
  });
});
