import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECTION_TYPES } from '../src/app.projections';
import { PERSONAL_DATA_DECLARATIONS } from '../src/app.personal-data';
import { runAuditCli } from '../src/modules/audit/cli';
import { runPrivacyCli } from '../src/modules/privacy/cli';
import { RecordedEvent } from '../src/platform/event-store/event-store.port';
import { undeclaredPaths } from '../src/platform/privacy/personal-data';
import { Rebuilder } from '../src/platform/projections/rebuilder';
import { SQLITE_DB } from '../src/platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../src/platform/sqlite/sqlite-database';
import { TestApp, TEST_STORE, staffAuth, startTestApp, storefrontAuth } from './support/test-app';
import { PLATFORM, SHOP, application, company } from './support/world';

/**
 * The right to erasure end to end (docs/privacy.md): two storefront users with tickets, comments and form
 * submissions; one is erased. Runs on every store: on EventStoreDB the log is the server's, and what is searched
 * for bytes is this service's data directory (read models, key store, logs).
 */
describe('privacy: erasure by crypto-shredding (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  const alice = { ...storefrontAuth('a', 'alice'), 'user-agent': 'AliceBrowser/Quincewood' };
  const bob = { ...storefrontAuth('a', 'bob'), 'user-agent': 'BobBrowser/1.0' };
  // What only alice wrote (or her browser sent). FTS keeps lower-cased tokens, so the byte search is case-insensitive.
  const ALICE = ['Zanzibar', 'Qwertyuiop', 'Marzipan', 'Wunderlandia', 'zanzi-mail.example', 'Quincewood'];
  const BOB = ['Kilimanjaro', 'Pistachio', 'Yarrowfield'];
  const ids: Record<string, string> = {};

  const inject = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const post = async (url: string, headers: Record<string, string>, payload: object, status = 201) => {
    const res = await inject('POST', url, headers, payload);
    expect(`${res.statusCode} ${url} ${res.body}`).toMatch(new RegExp(`^${status} `));
    return res.json();
  };
  const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const filesOf = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesOf(path) : [path];
    });
  /** Which of `words` some file of the data directory still holds, in any case. */
  const inDataDir = (words: readonly string[]) => {
    const contents = filesOf(t.dir).map((f) => readFileSync(f).toString('latin1').toLowerCase());
    return words.filter((w) => contents.some((c) => c.includes(w.toLowerCase())));
  };
  const answers = async () => {
    const gets = [
      `${company('1')}/ticket/${ids.aliceTicket}`,
      `${company('1')}/ticket/${ids.aliceTicket}/history`,
      `${company('1')}/ticket/${ids.aliceTicket}/audit`,
      `${company('1')}/ticket/${ids.aliceFormTicket}`,
      `${company('1')}/ticket?q=Zanzibar`,
      `${company('1')}/ticket`,
      `${company('1')}/events`,
      `${company('1')}/privacy/export?user_id=alice`,
      `${application('a')}/form/contact`,
    ];
    const bodies = [];
    for (const url of gets) {
      const res = await inject('GET', url, staff);
      expect([url, res.statusCode]).toEqual([url, 200]);
      bodies.push(res.body);
    }
    bodies.push((await inject('GET', `${SHOP}/ticket/${ids.aliceTicket}`, alice)).body);
    bodies.push((await inject('GET', `${SHOP}/ticket/${ids.aliceTicket}/history`, alice)).body);
    return bodies.join('\n');
  };
  const readModels = () => {
    const db = t.app.get<SqliteDatabase>(SQLITE_DB);
    const rows = (sql: string) => db.prepare(sql).all();
    return {
      tickets: rows('SELECT id, doc, revision FROM rm_tickets ORDER BY id'),
      history: rows('SELECT id, doc FROM rm_ticket_history ORDER BY id'),
      responses: rows('SELECT * FROM rm_form_responses ORDER BY 1'),
      search: rows("SELECT rowid, * FROM rm_ticket_search WHERE rm_ticket_search MATCH 'kilimanjaro OR zanzibar OR erased' ORDER BY rowid"),
    };
  };
  const verify = async () => {
    const lines: string[] = [];
    const code = await runAuditCli(
      ['verify'],
      { LEAD_DATA_DIR: t.dir, LEAD_STORE: TEST_STORE, LEAD_EVENTSTOREDB_URL: t.settings.eventStoreDbUrl },
      (l) => lines.push(l),
    );
    return { code, out: lines.join('\n') };
  };

  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-1');
    await post(`${application('a')}/form`, staff, {
      slug: 'contact',
      title: 'Contact us',
      priority: 'low',
      inputs: [
        { key: 'name', display: 'Name', type: 'text', required: true },
        { key: 'email', display: 'Email', type: 'email' },
      ],
    });
    const open = async (who: Record<string, string>, title: string, description: string) =>
      (await post(`${SHOP}/ticket/`, who, { category: 'order-issue', content: { title, description } }))._id as string;
    ids.aliceTicket = await open(alice, 'Where is my Zanzibar parcel', 'order Qwertyuiop never came');
    ids.bobTicket = await open(bob, 'Kilimanjaro boots too small', 'size 45 please');
    await post(`${SHOP}/ticket/${ids.aliceTicket}/history`, alice, {
      type: 'comment',
      value: { text: 'still waiting, Marzipan', media: [] },
    });
    await post(`${SHOP}/ticket/${ids.bobTicket}/history`, bob, {
      type: 'comment',
      value: { text: 'Pistachio colour is fine too', media: [] },
    });
    await post(`${company('1')}/ticket/${ids.aliceTicket}/history`, staff, {
      type: 'comment',
      value: { text: 'Agent reply Tangerine', media: [] },
    });
    const submit = async (who: Record<string, string>, name: string, email: string) =>
      (await post(`${SHOP}/form/contact/submit`, who, {
        response: [
          { key: 'name', value: name },
          { key: 'email', value: email },
        ],
      })) as {
        ticket?: { _id: string };
      };
    ids.aliceFormTicket = (await submit(alice, 'Alice Wunderlandia', 'alice@zanzi-mail.example')).ticket?._id ?? '';
    ids.bobFormTicket = (await submit(bob, 'Bob Yarrowfield', 'bob@example.com')).ticket?._id ?? '';
  });
  afterAll(async () => t?.dispose());

  it('before: the read models and the API hold both users’ text, while the log holds neither in the clear', async () => {
    expect(ids.aliceFormTicket).toMatch(/^[0-9a-f]{24}$/);
    const before = await answers();
    expect(ALICE.filter((w) => before.includes(w))).toEqual(ALICE);
    // The byte search can find what it looks for: the read models hold plaintext.
    expect(inDataDir(ALICE)).toEqual(expect.arrayContaining(['Zanzibar', 'Marzipan']));
    const log = json(await t.store.readAll({ maxCount: 10_000 }));
    expect(ALICE.concat(BOB).filter((w) => log.includes(w))).toEqual(ALICE.concat(BOB)); // through the decrypting layer
  });

  it('every event type written is declared: no string field is classified neither way', async () => {
    const events = await t.store.readAll({ maxCount: 10_000 });
    const undeclared = events.flatMap((e: RecordedEvent) =>
      undeclaredPaths(PERSONAL_DATA_DECLARATIONS, e.type, e.data).map((p) => `${e.type}: ${p}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('another company’s staff cannot erase, and a missing user id is a 400 problem', async () => {
    const other = await staffAuth(t, 'two', 'agent-2');
    const refused = await inject('POST', `${company('1')}/privacy/erasure`, other, { user_id: 'alice' });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    const bad = await inject('POST', `${company('1')}/privacy/erasure`, staff, {});
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('erases alice: receipt, her text gone from every answer and from the data directory’s bytes; bob’s intact', async () => {
    const receipt = await post(`${company('1')}/privacy/erasure`, staff, { user_id: 'alice' }, 200);
    expect(receipt).toMatchObject({
      company_id: '1',
      user_id: 'alice',
      first_request: true,
      keys_destroyed: 1,
      storage_compacted: true,
      requested_by: { type: 'staff_user', id: 'agent-1' },
      audit: { stream: 'privacy-1', revision: '0' },
    });
    expect(receipt.read_models_rebuilt).toEqual(expect.arrayContaining(['tickets', 'desk', 'forms']));

    const after = await answers();
    expect(ALICE.filter((w) => after.includes(w))).toEqual([]);
    expect(after).toContain('[erased]');
    expect(after).toContain('Agent reply Tangerine'); // the staff member's comment on her ticket is theirs
    const ticket = (await inject('GET', `${company('1')}/ticket/${ids.aliceTicket}`, staff)).json();
    expect(ticket.content).toMatchObject({ title: '[erased]', description: '[erased]' });
    expect(ticket.created_by).toEqual({ id: 'alice' });
    expect(ticket.created_on.user_agent).toBe('[erased]');

    const bobs = [
      (await inject('GET', `${company('1')}/ticket/${ids.bobTicket}`, staff)).body,
      (await inject('GET', `${company('1')}/ticket/${ids.bobTicket}/history`, staff)).body,
      (await inject('GET', `${company('1')}/ticket/${ids.bobFormTicket}`, staff)).body,
      (await inject('GET', `${company('1')}/ticket?q=Kilimanjaro`, staff)).body,
    ].join('\n');
    expect(BOB.filter((w) => !bobs.includes(w))).toEqual([]);
    expect((await inject('GET', `${company('1')}/ticket?q=Zanzibar`, staff)).json().items).toEqual([]);

    expect(inDataDir(ALICE)).toEqual([]);
    expect(inDataDir(['Kilimanjaro'])).toEqual(['Kilimanjaro']);
  });

  it('the audit trail still verifies: audit:verify, the ticket audit route, and the erasure is recorded without her id', async () => {
    const { code, out } = await verify();
    expect(out).toContain('RESULT: verified');
    expect(code).toBe(0);
    const audit = (await inject('GET', `${company('1')}/ticket/${ids.aliceTicket}/audit`, staff)).json();
    expect(audit.verification).toMatchObject({ valid: true });
    const [erased] = await t.store.readStream('privacy-1');
    expect(erased.type).toBe('DataSubjectErased');
    expect(json(erased.data)).not.toContain('alice');
    expect(erased.data).toMatchObject({ company_id: '1', requested_by: { id: 'agent-1' } });
  });

  it('erasure is idempotent: asked again, the same record, nothing new in the audit stream', async () => {
    const first = (await t.store.readStream('privacy-1'))[0];
    const again = await post(`${company('1')}/privacy/erasure`, staff, { user_id: 'alice' }, 200);
    expect(again).toMatchObject({ first_request: false, keys_destroyed: 0, erased_at: first.data.erased_at });
    expect(await t.store.readStream('privacy-1')).toHaveLength(1);
  });

  it('a full projection rebuild after the erasure reproduces the same read models', async () => {
    const before = readModels();
    expect(json(before.tickets)).toContain('[erased]');
    const outcomes = await new Rebuilder(
      t.store,
      t.app.get<SqliteDatabase>(SQLITE_DB),
      PROJECTION_TYPES.map((P) => new P()),
    ).run();
    expect(outcomes.map((o) => o.result)).toEqual(PROJECTION_TYPES.map(() => 'switched'));
    expect(readModels()).toEqual(before);
  });

  it('exports the surviving user’s data, decrypted, and only the erased marks for the erased one', async () => {
    const exported = (await inject('GET', `${company('1')}/privacy/export?user_id=bob`, staff)).json();
    const text = json(exported);
    expect(BOB.filter((w) => !text.includes(w))).toEqual([]);
    expect(ALICE.filter((w) => text.includes(w))).toEqual([]);
    expect(exported.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['TicketCreated', 'HistoryAppended', 'FormSubmitted']),
    );
    expect(exported.events.every((e: { storage: string }) => e.storage === 'sealed')).toBe(true);
    const erased = (await inject('GET', `${company('1')}/privacy/export?user_id=alice`, staff)).json();
    expect(erased.events.length).toBeGreaterThan(0);
    expect(ALICE.filter((w) => json(erased).includes(w))).toEqual([]);
  });

  it('a new write by the erased user after the erasure is readable (a new key)', async () => {
    const id = (await post(`${SHOP}/ticket/`, alice, { category: 'order-issue', content: { title: 'New question Oleander' } }))._id;
    expect((await inject('GET', `${SHOP}/ticket/${id}`, alice)).json().content.title).toBe('New question Oleander');
    expect(PLATFORM).toBeTruthy();
  });

  it('events written before sealing stay readable, exported as plaintext; `npm run privacy` counts them and will not migrate', async () => {
    // As an older version wrote it: personal data in the clear, no sealing mark.
    await t.store.append(
      'legacy-1',
      [
        {
          type: 'LegacyNote',
          data: { text: 'old note by carol' },
          metadata: { actor: { type: 'storefront_user', id: 'carol' }, tenant: { companyId: '1' } },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    expect((await t.store.readStream('legacy-1'))[0].data).toEqual({ text: 'old note by carol' });
    const exported = (await inject('GET', `${company('1')}/privacy/export?user_id=carol`, staff)).json();
    expect(exported.events).toEqual([
      expect.objectContaining({ stream: 'legacy-1', storage: 'plaintext', data: { text: 'old note by carol' } }),
    ]);

    const env = { LEAD_DATA_DIR: t.dir, LEAD_STORE: TEST_STORE, LEAD_EVENTSTOREDB_URL: t.settings.eventStoreDbUrl };
    const lines: string[] = [];
    expect(await runPrivacyCli(['status'], env, (l) => lines.push(l))).toBe(0);
    expect(lines.find((l) => l.startsWith('legacy '))).toMatch(/sealed +0 +plaintext +1$/);
    expect(lines.find((l) => l.startsWith('ticket '))).toMatch(/plaintext +0$/);
    expect(lines.at(-1)).toBe('RESULT: 1 event(s) written before sealing hold personal data in plaintext');
    const why: string[] = [];
    expect(await runPrivacyCli(['migrate'], env, (l) => why.push(l))).toBe(1);
    expect(why.join(' ')).toMatch(/hash-chain link and its anchor/);
  });
});
