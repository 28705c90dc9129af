import { SignJWT } from 'jose';
import { createHash } from 'node:crypto';
import { loadSettings } from '../src/platform/config/settings';
import { SqliteDatabase } from '../src/platform/sqlite/sqlite-database';
import { SQLITE_DB } from '../src/platform/sqlite/sqlite.module';
import { CONTACT, SHOP, STAFF_FORMS } from './support/form-routes';
import { TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

// Issue 10 point 1: who a storefront caller is must be proven, and an anonymous caller reads only the
// tickets it can prove it opened (with the access key its create answer carried).

const BASE = '/service/application/lead/v1.0';
const SESSION_SECRET = 'storefront-session-secret-0123456789abcdef';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

type Headers = Record<string, string>;

function routes(t: () => TestApp) {
  const inject = (method: 'GET' | 'POST', url: string, headers: Headers, payload?: unknown, remoteAddress?: string) =>
    t().app.inject({
      method,
      url,
      headers: { 'user-agent': 'jest-e2e', ...headers },
      payload: payload as object,
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  return {
    inject,
    create: (
      headers: Headers,
      body: object = { category: 'order-issue', content: { title: 'Where is my order?' }, subscribers: ['me@shop.example'] },
      remoteAddress?: string,
    ) => inject('POST', `${BASE}/ticket/`, headers, body, remoteAddress),
    get: (id: string, headers: Headers, remoteAddress?: string) => inject('GET', `${BASE}/ticket/${id}`, headers, undefined, remoteAddress),
    comment: (id: string, headers: Headers, remoteAddress?: string) =>
      inject('POST', `${BASE}/ticket/${id}/history`, headers, { type: 'comment', value: { text: 'hi', media: [] } }, remoteAddress),
    // Ticket events only: on EventStoreDB a create also reserves its number in the company's sequence stream.
    eventCount: async () => (await t().store.readAll()).filter((e) => e.streamName.startsWith('ticket-')).length,
  };
}

/** The neighbours of an id in the old scheme (a counter in the last bytes): what the attacker tried. */
const neighbours = (id: string) => [-2n, -1n, 1n, 2n].map((d) => (BigInt(`0x${id}`) + d).toString(16).padStart(24, '0'));

describe('storefront identity (end to end): development default, x-user-id trusted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());
  const r = routes(() => t);

  it('an anonymous caller gets an access key with its ticket, and without it reads or comments on nothing', async () => {
    const created = await r.create(storefrontAuth('a'));
    expect(created.statusCode).toBe(201);
    const ticket = created.json();
    expect(ticket.access_key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The application token alone (what every visitor of the storefront has) proves nothing.
    expect((await r.get(ticket._id, storefrontAuth('a'))).statusCode).toBe(404);
    expect((await r.comment(ticket._id, storefrontAuth('a'))).statusCode).toBe(404);
    const key: string = ticket.access_key;
    const wrong = { ...storefrontAuth('a'), 'x-ticket-access-key': `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` };
    expect((await r.get(ticket._id, wrong)).statusCode).toBe(404);
    expect((await r.comment(ticket._id, wrong)).statusCode).toBe(404);

    const withKey = { ...storefrontAuth('a'), 'x-ticket-access-key': ticket.access_key };
    const read = await r.get(ticket._id, withKey);
    expect(read.statusCode).toBe(200);
    expect(read.json().access_key).toBeUndefined(); // shown once, at creation
    expect((await r.comment(ticket._id, withKey)).statusCode).toBe(201);
    // The key is the ticket's and its application's only.
    expect((await r.get(ticket._id, { ...storefrontAuth('b'), 'x-ticket-access-key': ticket.access_key })).statusCode).toBe(404);
  });

  it("the attack of the issue fails: an anonymous caller cannot reach another's ticket by its own id, nor by knowing the id", async () => {
    const victim = (
      await r.create(storefrontAuth('a', 'victim-1'), { category: 'x', content: { title: 'mine' }, subscribers: ['victim@shop.example'] })
    ).json();
    const other = (await r.create(storefrontAuth('a'))).json();
    const mine = (await r.create(storefrontAuth('a'))).json();
    const attacker = { ...storefrontAuth('a'), 'x-ticket-access-key': mine.access_key };
    for (const id of [...neighbours(mine._id), victim._id, other._id]) {
      const res = await r.get(id, attacker);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('victim@shop.example');
      expect((await r.comment(id, attacker)).statusCode).toBe(404);
    }
    expect(neighbours(mine._id)).not.toContain(other._id);
    // A signed-in user does not see anonymous tickets either.
    expect((await r.get(other._id, storefrontAuth('a', 'victim-1'))).statusCode).toBe(404);
  });

  it('an anonymous caller cannot file a ticket under a user by naming one in created_by', async () => {
    const before = await r.eventCount();
    const ticket = (
      await r.create(storefrontAuth('a'), { category: 'x', content: { title: 'planted' }, created_by: { id: 'victim-2', name: 'V' } })
    ).json();
    expect(ticket.created_by).toEqual({ name: 'V' });
    expect((await r.get(ticket._id, storefrontAuth('a', 'victim-2'))).statusCode).toBe(404);
    expect(await r.eventCount()).toBe(before + 1);
  });

  it('a signed-in user gets no access key and proves the ticket is theirs by who they are', async () => {
    const ticket = (await r.create(storefrontAuth('a', 'user-7'))).json();
    expect(ticket.access_key).toBeUndefined();
    expect((await r.get(ticket._id, storefrontAuth('a', 'user-7'))).statusCode).toBe(200);
    expect((await r.get(ticket._id, storefrontAuth('a', 'user-8'))).statusCode).toBe(404);
    expect((await r.get(ticket._id, storefrontAuth('a'))).statusCode).toBe(404);
  });

  it('keeps only the hash of the key in the log, and staff read anonymous tickets as before', async () => {
    const ticket = (await r.create(storefrontAuth('a'))).json();
    const log = (await t.store.readAll()).map((e) => JSON.stringify({ data: e.data, metadata: e.metadata }));
    expect(log.join('\n')).not.toContain(ticket.access_key);
    const [created] = await t.store.readStream(`ticket-${ticket._id}`);
    expect(created.data).toMatchObject({ access_key_sha256: sha256(ticket.access_key) });
    const staff = await staffAuth(t, 'one');
    const audit = await r.inject('GET', `/service/platform/lead/v1.0/company/1/ticket/${ticket._id}/audit`, staff);
    expect(audit.statusCode).toBe(200);
    expect(audit.body).not.toContain(ticket.access_key);
    const read = await r.inject('GET', `/service/platform/lead/v1.0/company/1/ticket/${ticket._id}`, staff);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(sha256(ticket.access_key));
  });

  it('a retried anonymous create (same Idempotency-Key) answers the same, working key', async () => {
    const headers = { ...storefrontAuth('a'), 'idempotency-key': 'anon-create-1' };
    const first = (await r.create(headers)).json();
    const again = await r.create(headers);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().access_key).toBe(first.access_key);
    expect((await r.get(first._id, { ...storefrontAuth('a'), 'x-ticket-access-key': first.access_key })).statusCode).toBe(200);

    // The answer was lost (a crash between the append and storing it): the retry runs the command again,
    // finds its own ticket, and must answer the key whose hash that ticket holds.
    t.app.get<SqliteDatabase>(SQLITE_DB).prepare('DELETE FROM idempotency_keys').run();
    const before = await r.eventCount();
    const rerun = await r.create(headers);
    expect(rerun.statusCode).toBe(201);
    expect(rerun.headers['idempotent-replayed']).toBeUndefined();
    expect(rerun.json()).toMatchObject({ _id: first._id, access_key: first.access_key });
    expect(await r.eventCount()).toBe(before);
  });

  it("an Idempotency-Key never replays a key holder's answer to a caller without the key", async () => {
    const ticket = (await r.create(storefrontAuth('a'))).json();
    const body = { type: 'comment', value: { text: 'same words', media: [] } };
    const url = `${BASE}/ticket/${ticket._id}/history`;
    const holder = await r.inject(
      'POST',
      url,
      { ...storefrontAuth('a'), 'x-ticket-access-key': ticket.access_key, 'idempotency-key': 'k-1' },
      body,
    );
    expect(holder.statusCode).toBe(201);
    const stranger = await r.inject('POST', url, { ...storefrontAuth('a'), 'idempotency-key': 'k-1' }, body);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.body).not.toContain(holder.json()._id);
  });

  it('an anonymous form submitter gets the key of the ticket it opened, and only that ticket', async () => {
    const staff = await staffAuth(t, 'one');
    expect((await r.inject('POST', STAFF_FORMS(), staff, { ...CONTACT, slug: 'anon-contact', available_assignees: [] })).statusCode).toBe(
      201,
    );
    const res = await r.inject('POST', `${SHOP}/form/anon-contact/submit`, storefrontAuth('a'), {
      response: [{ key: 'name', value: 'Ann' }],
    });
    expect(res.statusCode).toBe(201);
    const { ticket, access_key } = res.json();
    expect(access_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ticket.access_key).toBe(access_key);
    expect((await r.get(ticket._id, storefrontAuth('a'))).statusCode).toBe(404);
    expect((await r.get(ticket._id, { ...storefrontAuth('a'), 'x-ticket-access-key': access_key })).statusCode).toBe(200);
    expect((await r.comment(ticket._id, { ...storefrontAuth('a'), 'x-ticket-access-key': access_key })).statusCode).toBe(201);

    const signedIn = (
      await r.inject('POST', `${SHOP}/form/anon-contact/submit`, storefrontAuth('a', 'user-5'), {
        response: [{ key: 'name', value: 'Bo' }],
      })
    ).json();
    expect(signedIn.access_key).toBeUndefined();
    expect((await r.get(signedIn.ticket._id, storefrontAuth('a', 'user-5'))).statusCode).toBe(200);
  });

  it('video rooms: anonymous callers get 401, other users 404, whatever key they hold', async () => {
    const staff = await staffAuth(t, 'one');
    const anon = (await r.create(storefrontAuth('a'))).json();
    const owned = (await r.create(storefrontAuth('a', 'user-v'))).json();
    for (const id of [anon._id, owned._id]) {
      expect((await r.inject('POST', '/service/platform/lead/v1.0/company/1/video/room', staff, { unique_name: id })).statusCode).toBe(201);
    }
    const withKey = { ...storefrontAuth('a'), 'x-ticket-access-key': anon.access_key };
    expect((await r.inject('GET', `${BASE}/video/room/${anon._id}/token`, withKey)).statusCode).toBe(401);
    expect((await r.inject('GET', `${BASE}/video/room/${owned._id}/participants`, storefrontAuth('a'))).statusCode).toBe(401);
    expect((await r.inject('GET', `${BASE}/video/room/${owned._id}/token`, storefrontAuth('a', 'user-w'))).statusCode).toBe(404);
    expect((await r.inject('GET', `${BASE}/video/room/${owned._id}/participants`, storefrontAuth('a', 'user-w'))).statusCode).toBe(404);
    expect((await r.inject('GET', `${BASE}/video/room/${owned._id}/token`, storefrontAuth('a', 'user-v'))).statusCode).toBe(200);
  });
});

describe('storefront identity (end to end): LEAD_STOREFRONT_IDENTITY=jwt', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      storefrontIdentity: loadSettings({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWT_SECRET: SESSION_SECRET }).storefrontIdentity,
    });
  });
  afterAll(async () => t.dispose());
  const r = routes(() => t);
  const session = async (sub: string, secret = SESSION_SECRET) => ({
    ...storefrontAuth('a'),
    'x-user-token': await new SignJWT({ sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret)),
  });

  it('a valid session token proves the user; a forged x-user-id is 401 and stores nothing', async () => {
    const ticket = (await r.create(await session('alice'))).json();
    expect(ticket.created_by).toEqual({ id: 'alice' });
    expect((await r.get(ticket._id, await session('alice'))).statusCode).toBe(200);
    expect((await r.get(ticket._id, await session('mallory'))).statusCode).toBe(404);

    const before = await r.eventCount();
    const forged = storefrontAuth('a', 'alice');
    for (const res of [await r.get(ticket._id, forged), await r.comment(ticket._id, forged), await r.create(forged)]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(await r.eventCount()).toBe(before);
  });

  it('an invalid session token is a 401 problem, never an anonymous call', async () => {
    const before = await r.eventCount();
    for (const headers of [
      await session('alice', 'a-different-secret-0123456789abcdefghij'),
      { ...storefrontAuth('a'), 'x-user-token': 'garbage' },
    ]) {
      const res = await r.create(headers);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ status: 401, detail: expect.stringContaining('x-user-token') });
    }
    expect(await r.eventCount()).toBe(before);
  });
});

describe('storefront identity (end to end): LEAD_STOREFRONT_IDENTITY=trusted-proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      storefrontIdentity: loadSettings({ LEAD_STOREFRONT_IDENTITY: 'trusted-proxy', LEAD_USER_TRUSTED_PROXIES: '10.0.0.0/8' })
        .storefrontIdentity,
    });
  });
  afterAll(async () => t.dispose());
  const r = routes(() => t);
  const GATEWAY = '10.20.30.40';
  const OUTSIDE = '203.0.113.9';

  it('x-user-id is honoured from the gateway only; from anywhere else it is 401 and stores nothing', async () => {
    const ticket = (await r.create(storefrontAuth('a', 'alice'), undefined, GATEWAY)).json();
    expect(ticket.created_by).toEqual({ id: 'alice' });
    expect((await r.get(ticket._id, storefrontAuth('a', 'alice'), GATEWAY)).statusCode).toBe(200);

    const before = await r.eventCount();
    const forged = { ...storefrontAuth('a', 'alice'), 'x-forwarded-for': GATEWAY };
    expect((await r.get(ticket._id, forged, OUTSIDE)).statusCode).toBe(401);
    expect((await r.comment(ticket._id, forged, OUTSIDE)).statusCode).toBe(401);
    expect((await r.create(forged, undefined, OUTSIDE)).statusCode).toBe(401);
    expect(await r.eventCount()).toBe(before);
    // Without x-user-id, a direct caller is anonymous and sees nothing of alice's.
    expect((await r.get(ticket._id, storefrontAuth('a'), OUTSIDE)).statusCode).toBe(404);
  });
});
