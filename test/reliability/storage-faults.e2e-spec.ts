import { newObjectId } from '../../src/platform/command/object-id';
import { SQLITE_DB } from '../../src/platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../src/platform/sqlite/sqlite-database';
import { sqliteLogFacts } from '../../src/modules/audit/sqlite-log-checks';
import { ChainKey } from '../../src/platform/event-store/hash-chain';
import { verifyStore } from '../../src/modules/audit/store-verifier';
import { TestApp, startTestApp, staffAuth, storefrontAuth } from '../support/test-app';
import { SHOP, company } from '../support/world';

/**
 * A disk that refuses writes, simulated on the service's own SQLite connection: `query_only` makes every
 * write fail with SQLITE_READONLY, a `max_page_count` at the current size makes growth fail with
 * SQLITE_FULL. Writes answer 503 problem details and store nothing; reads go on; once the disk is back,
 * earlier data is intact and writes work.
 */
// The faults are SQLite's: with another event store (LEAD_TEST_STORE) the log is not in this file.
const describeOnSqlite = (process.env.LEAD_TEST_STORE ?? 'sqlite') === 'sqlite' ? describe : describe.skip;

describeOnSqlite('a read-only or full disk (end to end)', () => {
  let t: TestApp;
  let db: SqliteDatabase;
  let staff: Record<string, string>;
  let ticket: { _id: string };
  let earlier: string;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get<SqliteDatabase>(SQLITE_DB);
    staff = await staffAuth(t, 'one');
    ticket = (await create('Before the fault')).json();
    await comment(ticket._id, 'first comment');
    earlier = (await t.app.inject({ method: 'GET', url: `${company('1')}/ticket/${ticket._id}/history`, headers: staff })).body;
  });
  afterAll(async () => t.dispose());

  function create(title: string, description = '', key?: string) {
    const headers = { ...storefrontAuth('a', 'u1'), ...(key ? { 'idempotency-key': key } : {}) };
    return t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/`,
      headers,
      payload: { category: 'disk', content: { title, description } },
    });
  }
  function comment(id: string, text: string) {
    return t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/${id}/history`,
      headers: storefrontAuth('a', 'u1'),
      payload: { type: 'comment', value: { text } },
    });
  }
  const events = async () => (await t.store.readAll()).length;

  async function expectUnavailable(send: Promise<{ statusCode: number; headers: Record<string, unknown>; json: () => any }>, code: string) {
    const res = await send;
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 503, title: 'Service Unavailable', detail: expect.stringContaining(code) });
  }

  async function expectIntactAndWritable(): Promise<void> {
    const history = await t.app.inject({ method: 'GET', url: `${company('1')}/ticket/${ticket._id}/history`, headers: staff });
    expect(history.body).toBe(earlier);
    expect((await create('After the fault')).statusCode).toBe(201);
    // The log is sound: positions without holes, every stream's hash chain intact.
    expect((await verifyStore(t.store, { sqlite: sqliteLogFacts(db), key: t.app.get(ChainKey).key })).findings).toEqual([]);
  }

  it('read-only: every write is 503 and stores nothing; reads work; afterwards all is intact', async () => {
    const before = await events();
    db.pragma('query_only = 1');
    try {
      await expectUnavailable(create('During', '', 'read-only-key'), 'SQLITE_READONLY');
      await expectUnavailable(comment(ticket._id, 'lost?'), 'SQLITE_READONLY');
      await expectUnavailable(
        t.app.inject({ method: 'PUT', url: `${company('1')}/ticket/${ticket._id}`, headers: staff, payload: { priority: 'high' } }),
        'SQLITE_READONLY',
      );
      expect(
        (await t.app.inject({ method: 'GET', url: `${SHOP}/ticket/${ticket._id}`, headers: storefrontAuth('a', 'u1') })).statusCode,
      ).toBe(200);
      expect(await events()).toBe(before);
    } finally {
      db.pragma('query_only = 0');
    }
    // The refused keyed request left its key free: the same key now runs.
    expect((await create('During', '', 'read-only-key')).statusCode).toBe(201);
    await expectIntactAndWritable();
  });

  it('full: concurrent writes (one group commit) are all 503 and store nothing; afterwards all is intact', async () => {
    const before = await events();
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    try {
      const big = 'y'.repeat(19_000);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => create(`Full ${i}`, big)));
      for (const res of answers) await expectUnavailable(Promise.resolve(res), 'SQLITE_FULL');
      expect(await events()).toBe(before);
    } finally {
      db.pragma('max_page_count = 1073741823');
    }
    await expectIntactAndWritable();
  });

  // Last: the event appended here bypasses the command path, so it carries no hash (the chain check would flag it).
  it('a projection whose disk fails while it applies keeps retrying, and catches up once the disk is back', async () => {
    const id = newObjectId();
    const appended = t.store.append(
      `ticket-${ticket._id}`,
      [
        {
          type: 'HistoryAppended',
          data: {
            id,
            ticket: ticket._id,
            type: 'log',
            value: { text: 'direct' },
            created_by: {},
            created_on: { user_agent: 'test', platform: 'web' },
            created_at: new Date().toISOString(),
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    await appended;
    db.pragma('query_only = 1'); // before the projections apply the event (they run on a later turn)
    await new Promise((done) => setTimeout(done, 300));
    db.pragma('query_only = 0');
    const seen = async () =>
      (await t.app.inject({ method: 'GET', url: `${company('1')}/ticket/${ticket._id}/history`, headers: staff }))
        .json()
        .items.some((h: { _id: string }) => h._id === id);
    for (let i = 0; i < 40 && !(await seen()); i++) await new Promise((done) => setTimeout(done, 100));
    expect(await seen()).toBe(true);
  });
});
