import { SignJWT } from 'jose';
import { loadSettings } from '../../src/platform/config/settings';
import { TestApp, startTestApp, staffAuth, storefrontAuth } from '../support/test-app';
import { SHOP, company } from '../support/world';

/** Every bound refuses with a clear 4xx problem and writes nothing. */
describe('limits (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let ticket: string;
  beforeAll(async () => {
    t = await startTestApp({ bodyLimitBytes: 64 * 1024, maxHistoryPerTicket: 3 });
    staff = await staffAuth(t, 'one');
    ticket = (await open({ category: 'limits', content: { title: 'Bounded' } })).json()._id;
  });
  afterAll(async () => t.dispose());

  function open(payload: object) {
    return t.app.inject({ method: 'POST', url: `${SHOP}/ticket/`, headers: storefrontAuth('a', 'u1'), payload });
  }
  const events = async () => (await t.store.readAll()).length;

  /** The request is refused with `status`, as problem details naming `field` (when given), and nothing is written. */
  async function refused(
    send: () => Promise<{ statusCode: number; headers: Record<string, unknown>; json: () => any }>,
    status: number,
    field?: string,
  ) {
    const before = await events();
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    if (field) expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await events()).toBe(before);
  }
  const x = (n: number) => 'x'.repeat(n);
  const asset = { value: 'https://cdn.example/a.png', type: 'image' };

  it('body size: over LEAD_BODY_LIMIT_BYTES is 413', async () => {
    await refused(() => open({ category: 'limits', content: { title: 'Big', description: x(70 * 1024) } }), 413);
  });

  it.each([
    ['title', { category: 'c', content: { title: x(301) } }, 'content.title'],
    ['description', { category: 'c', content: { title: 't', description: x(20_001) } }, 'content.description'],
    ['category', { category: x(101), content: { title: 't' } }, 'category'],
    ['attachments', { category: 'c', content: { title: 't', attachments: Array(21).fill(asset) } }, 'content.attachments'],
    [
      'subscribers',
      { category: 'c', content: { title: 't' }, subscribers: Array.from({ length: 21 }, (_, i) => `s${i}@shop.example`) },
      'subscribers',
    ],
    ['custom json', { category: 'c', content: { title: 't' }, _custom_json: { blob: x(17_000) } }, '_custom_json'],
  ])('string and array bounds on create: %s', async (_name, payload, field) => {
    await refused(() => open(payload), 400, field);
  });

  it('bounds on comments, edits and feedback', async () => {
    const post = (url: string, payload: object) => () => t.app.inject({ method: 'POST', url, headers: staff, payload });
    await refused(post(`${company('1')}/ticket/${ticket}/history`, { type: 'comment', value: { text: x(33_000) } }), 400, 'value');
    await refused(
      () =>
        t.app.inject({
          method: 'PUT',
          url: `${company('1')}/ticket/${ticket}`,
          headers: staff,
          payload: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
        }),
      400,
      'tags',
    );
    const answers = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`q${i}`, 1]));
    await refused(post(`${company('1')}/ticket/${ticket}/feedback`, { form_response: answers }), 400, 'form_response');
  });

  it.each([
    ['ticket list', `${company('1')}/ticket?page_size=101`, 'page_size'],
    ['ticket list, zero', `${company('1')}/ticket?page_size=0`, 'page_size'],
    ['history', 'HISTORY?page_size=101', 'page_size'],
    ['change feed', `${company('1')}/events?limit=501`, 'limit'],
  ])('page size: %s', async (_name, url, field) => {
    const res = await t.app.inject({
      method: 'GET',
      url: url.replace('HISTORY', `${company('1')}/ticket/${ticket}/history`),
      headers: staff,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('history entries per ticket (LEAD_MAX_HISTORY_PER_TICKET=3): the next comment or edit is 422', async () => {
    const comment = () =>
      t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/${ticket}/history`,
        headers: storefrontAuth('a', 'u1'),
        payload: { type: 'comment', value: { text: 'hi' } },
      });
    for (let i = 0; i < 3; i++) expect((await comment()).statusCode).toBe(201);
    await refused(comment, 422);
    // An edit writes a diff entry into the history, so it is bounded too.
    await refused(
      () => t.app.inject({ method: 'PUT', url: `${company('1')}/ticket/${ticket}`, headers: staff, payload: { priority: 'urgent' } }),
      422,
    );
    expect((await comment()).json().detail).toContain('at most 3 history entries');
  });
});

describe('rate limit (LEAD_RATE_LIMIT_PER_MINUTE=5, end to end)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ rateLimitPerMinute: 5 })));
  afterAll(async () => t.dispose());
  const get = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: `${SHOP}/ticket/000000000000000000000000`, headers });
  const forged = { authorization: `Bearer ${Buffer.from('000000000000000000000b02:not-the-token').toString('base64')}` };

  it('counts per caller: an application over its budget gets 429 with Retry-After; others are not affected', async () => {
    for (let i = 0; i < 5; i++) expect((await get(storefrontAuth('a'))).statusCode).toBe(404);
    const limited = await get(storefrontAuth('a', 'another-user'));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json()).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      detail: expect.stringContaining('at most 5 a minute'),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get(storefrontAuth('b'))).statusCode).toBe(404);
    const staff = await staffAuth(t, 'one'); // the token endpoint counts against the address
    expect((await t.app.inject({ method: 'GET', url: `${company('1')}/general-config`, headers: staff })).statusCode).toBe(200);
  });

  it('a wrong credential counts against the address, never against the application it names', async () => {
    for (let i = 0; i < 4; i++) expect((await get(forged)).statusCode).toBe(401);
    expect((await get(forged)).statusCode).toBe(429);
    expect((await get({})).statusCode).toBe(429);
    expect((await get(storefrontAuth('b'))).statusCode).toBe(404);
  });
});

describe('rate limit per storefront visitor (5 a minute per caller, 2 per visitor, end to end)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ rateLimitPerMinute: 5, rateLimitPerVisitorPerMinute: 2 })));
  afterAll(async () => t.dispose());
  const get = (headers: Record<string, string>, url = `${SHOP}/ticket/000000000000000000000000`) =>
    t.app.inject({ method: 'GET', url, headers });

  it('one visitor over their budget is refused alone; the application as a whole keeps its ceiling', async () => {
    for (let i = 0; i < 2; i++) expect((await get(storefrontAuth('a', 'u1'))).statusCode).toBe(404);
    const limited = await get(storefrontAuth('a', 'u1'));
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 429, detail: expect.stringContaining('at most 2 a minute per visitor') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Other visitors of the same application: other users, and anonymous callers by address.
    expect((await get(storefrontAuth('a', 'u2'))).statusCode).toBe(404);
    expect((await get(storefrontAuth('a'))).statusCode).toBe(404);
    expect((await get(storefrontAuth('a', 'u3'))).statusCode).toBe(404); // the application's 5th
    const ceiling = await get(storefrontAuth('a', 'u4'));
    expect(ceiling.statusCode).toBe(429);
    expect(ceiling.json().detail).toContain('at most 5 a minute;');
    expect((await get(storefrontAuth('b', 'u1'))).statusCode).toBe(404); // another application's own budget
  });

  it('probes and metrics are never limited, even when the address is over its budget', async () => {
    for (let i = 0; i < 6; i++) await get({});
    expect((await get({})).statusCode).toBe(429);
    for (const url of ['/health/live', '/health/ready', '/metrics', '/health/live?x=1']) {
      for (let i = 0; i < 3; i++) expect([url, (await get({}, url)).statusCode]).toEqual([url, 200]);
    }
    expect((await get({}, '/health/nope')).statusCode).toBe(429); // only the probe routes, not their prefix
  });
});

describe('rate limit per storefront visitor keyed by the proven user (LEAD_STOREFRONT_IDENTITY=jwt, 2 per visitor)', () => {
  const secret = 'rate-limit-session-secret-0123456789abcdef';
  let t: TestApp;
  beforeAll(
    async () =>
      (t = await startTestApp({
        rateLimitPerMinute: 50,
        rateLimitPerVisitorPerMinute: 2,
        storefrontIdentity: loadSettings({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWT_SECRET: secret }).storefrontIdentity,
      })),
  );
  afterAll(async () => t.dispose());
  const get = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: `${SHOP}/ticket/000000000000000000000000`, headers });
  const session = async (sub: string, userId?: string) => ({
    ...storefrontAuth('a', userId),
    'x-user-token': await new SignJWT({ sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret)),
  });

  it("the visitor is the token's subject: a fresh x-user-id on each request does not open a fresh bucket", async () => {
    for (let i = 0; i < 2; i++) expect((await get(await session('alice'))).statusCode).toBe(404);
    const limited = await get(await session('alice'));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().detail).toContain('per visitor');
    // The token's user is who counts, whatever x-user-id says (a matching one is the same visitor).
    expect((await get(await session('alice', 'alice'))).statusCode).toBe(429);
    expect((await get(await session('bob'))).statusCode).toBe(404);
  });

  it('x-user-id rotated under a valid token, or sent without one, counts against the address: 401s, then 429', async () => {
    for (const user of ['r1', 'r2']) expect((await get(await session('carol', user))).statusCode).toBe(401);
    expect((await get(await session('carol', 'r3'))).statusCode).toBe(429);
    expect((await get(storefrontAuth('a', 'r4'))).statusCode).toBe(429);
    expect((await get(await session('carol'))).statusCode).toBe(404); // carol's own bucket is untouched
  });
});
