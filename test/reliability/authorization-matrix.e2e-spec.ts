import { APPS, TestApp, startTestApp, storefrontAuth } from '../support/test-app';
import { SHOP, World, application, company, seedWorld } from '../support/world';

/**
 * Every route that names a resource, called by every kind of caller: two companies, three applications,
 * two storefront users, three staff clients (two of company 1), and nobody. Only the owners get through;
 * anyone else is 404 (the resource does not exist for them), a missing or foreign-kind credential is 401,
 * and no refused call writes anything. The resources are company 1's: ticket a1 of application a and user
 * u1, form `contact` of application a, the video room of a1.
 */
const CALLERS = ['a/u1', 'a/u2', 'a/anonymous', 'b/u1', 'c/u1', 'staff-one', 'staff-three', 'staff-two', 'nobody'] as const;
type Caller = (typeof CALLERS)[number];
const STOREFRONT: Caller[] = ['a/u1', 'a/u2', 'a/anonymous', 'b/u1', 'c/u1'];
const STAFF_1: Caller[] = ['staff-one', 'staff-three'];

interface Case {
  readonly route: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Staff routes take the caller's own company (and for application routes, `app`) in the path. */
  readonly url: (w: World, c: { company: string }) => string;
  readonly body?: (w: World) => object;
  readonly owners: Caller[];
  readonly ok: number;
  /** The call changes what a second one would find (opens, closes, deletes): only the first owner makes it. */
  readonly once?: boolean;
  /** Needs a signed-in storefront user (x-user-id): an anonymous application call is 401. */
  readonly needsUser?: boolean;
}

const comment = { type: 'comment', value: { text: 'hi', media: [] } };
const own = (c: { company: string }) => company(c.company);
const ownApp = (c: { company: string }, app: 'a' | 'b' = 'a') => (c.company === '1' ? application(app) : application('c'));

const CASES: Case[] = [
  // The application token is public (it ships in the storefront's pages): an anonymous caller is no owner.
  { route: 'storefront GET ticket', method: 'GET', url: (w) => `${SHOP}/ticket/${w.tickets.a1}`, owners: ['a/u1'], ok: 200 },
  {
    route: 'storefront POST history',
    method: 'POST',
    url: (w) => `${SHOP}/ticket/${w.tickets.a1}/history`,
    body: () => comment,
    owners: ['a/u1'],
    ok: 201,
  },
  {
    route: 'storefront GET video token',
    method: 'GET',
    url: (w) => `${SHOP}/video/room/${w.tickets.a1}/token`,
    owners: ['a/u1'],
    ok: 200,
    needsUser: true,
  },
  {
    route: 'storefront GET video participants',
    method: 'GET',
    url: (w) => `${SHOP}/video/room/${w.tickets.a1}/participants`,
    owners: ['a/u1'],
    ok: 200,
    needsUser: true,
  },
  { route: 'storefront GET form', method: 'GET', url: () => `${SHOP}/form/contact`, owners: ['a/u1', 'a/u2', 'a/anonymous'], ok: 200 },
  {
    route: 'storefront POST form submit',
    method: 'POST',
    url: () => `${SHOP}/form/contact/submit`,
    body: () => ({ response: [{ key: 'name', value: 'Ann' }] }),
    owners: ['a/u1', 'a/u2', 'a/anonymous'],
    ok: 201,
  },
  { route: 'staff GET ticket', method: 'GET', url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff PUT ticket',
    method: 'PUT',
    url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}`,
    body: () => ({ priority: 'high' }),
    owners: STAFF_1,
    ok: 200,
  },
  {
    route: 'staff POST history',
    method: 'POST',
    url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}/history`,
    body: () => comment,
    owners: STAFF_1,
    ok: 201,
  },
  { route: 'staff GET history', method: 'GET', url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}/history`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff POST feedback',
    method: 'POST',
    url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}/feedback`,
    body: () => ({ form_response: { rating: 4 } }),
    owners: STAFF_1,
    ok: 201,
  },
  { route: 'staff GET feedback', method: 'GET', url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}/feedback`, owners: STAFF_1, ok: 200 },
  { route: 'staff GET audit', method: 'GET', url: (w, c) => `${own(c)}/ticket/${w.tickets.a1}/audit`, owners: STAFF_1, ok: 200 },
  { route: 'staff app GET ticket', method: 'GET', url: (w, c) => `${ownApp(c)}/ticket/${w.tickets.a1}`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff app GET ticket, other application',
    method: 'GET',
    url: (w, c) => `${ownApp(c, 'b')}/ticket/${w.tickets.a1}`,
    owners: [],
    ok: 200,
  },
  {
    route: 'staff app PUT ticket, other application',
    method: 'PUT',
    url: (w, c) => `${ownApp(c, 'b')}/ticket/${w.tickets.a1}`,
    body: () => ({ priority: 'low' }),
    owners: [],
    ok: 200,
  },
  {
    route: 'staff app POST history',
    method: 'POST',
    url: (w, c) => `${ownApp(c)}/ticket/${w.tickets.a1}/history`,
    body: () => comment,
    owners: STAFF_1,
    ok: 201,
  },
  {
    route: 'staff app GET history, other application',
    method: 'GET',
    url: (w, c) => `${ownApp(c, 'b')}/ticket/${w.tickets.a1}/history`,
    owners: [],
    ok: 200,
  },
  { route: 'staff app GET audit', method: 'GET', url: (w, c) => `${ownApp(c)}/ticket/${w.tickets.a1}/audit`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff app GET audit, other application',
    method: 'GET',
    url: (w, c) => `${ownApp(c, 'b')}/ticket/${w.tickets.a1}/audit`,
    owners: [],
    ok: 200,
  },
  { route: 'staff GET form', method: 'GET', url: (_w, c) => `${ownApp(c)}/form/contact`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff PUT form',
    method: 'PUT',
    url: (_w, c) => `${ownApp(c)}/form/contact`,
    body: () => ({ title: 'Contact', priority: 'low', inputs: [{ key: 'name', display: 'Name', type: 'text' }] }),
    owners: STAFF_1,
    ok: 200,
  },
  { route: 'staff GET video token', method: 'GET', url: (w, c) => `${own(c)}/video/room/${w.tickets.a1}/token`, owners: STAFF_1, ok: 200 },
  {
    route: 'staff GET video participants',
    method: 'GET',
    url: (w, c) => `${ownApp(c)}/video/room/${w.tickets.a1}/participants`,
    owners: STAFF_1,
    ok: 200,
  },
  {
    route: 'staff POST video room of a foreign ticket',
    method: 'POST',
    url: (_w, c) => `${own(c)}/video/room`,
    body: (w) => ({ unique_name: w.tickets.a2 }),
    owners: STAFF_1,
    ok: 201,
    once: true,
  },
  {
    route: 'staff DELETE video room',
    method: 'DELETE',
    url: (w, c) => `${own(c)}/video/room/${w.tickets.a1}`,
    owners: STAFF_1,
    ok: 200,
    once: true,
  },
  { route: 'staff DELETE form', method: 'DELETE', url: (_w, c) => `${ownApp(c)}/form/contact`, owners: STAFF_1, ok: 200, once: true },
];

describe('authorization matrix: only owners reach a resource (end to end)', () => {
  let t: TestApp;
  let world: World;
  beforeAll(async () => {
    t = await startTestApp();
    world = await seedWorld(t);
  });
  afterAll(async () => t.dispose());

  const headersOf = (caller: Caller): Record<string, string> => {
    if (caller === 'nobody') return {};
    if (caller.startsWith('staff-')) return world.staff[caller.slice(6) as 'one' | 'two' | 'three'];
    const [app, user] = caller.split('/') as ['a' | 'b' | 'c', string];
    return storefrontAuth(app, user === 'anonymous' ? undefined : user);
  };
  const companyOf = (caller: Caller) => (caller === 'staff-two' || caller === 'c/u1' ? APPS.c.company_id : '1');

  /** What a caller must get: the owners the success status, the other kind of caller and nobody 401, the rest 404. */
  const expected = (c: Case, caller: Caller): number => {
    if (c.owners.includes(caller)) return c.ok;
    const storefrontRoute = c.url(world, { company: '1' }).startsWith(SHOP);
    if (caller === 'nobody' || STOREFRONT.includes(caller) !== storefrontRoute) return 401;
    if (caller === 'a/anonymous' && c.needsUser) return 401;
    return 404;
  };

  it.each(CASES.map((c) => [c.route, c] as const))('%s', async (_route, c) => {
    // Everyone else first: a destructive owner call (DELETE) must come last.
    const order = [...CALLERS.filter((caller) => !c.owners.includes(caller)), ...(c.once ? c.owners.slice(0, 1) : c.owners)];
    const got: Record<string, number> = {};
    const want: Record<string, number> = {};
    expect(order.length).toBeGreaterThanOrEqual(CALLERS.length - 1);
    for (const caller of order) {
      const before = (await t.store.readAll()).length;
      const res = await t.app.inject({
        method: c.method,
        url: c.url(world, { company: companyOf(caller) }),
        headers: headersOf(caller),
        ...(c.body ? { payload: c.body(world) } : {}),
      });
      got[caller] = res.statusCode;
      want[caller] = expected(c, caller);
      if (res.statusCode >= 400) {
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect((await t.store.readAll()).length).toBe(before);
      }
    }
    expect(got).toEqual(want);
  });

  it("a staff token never reaches another company through that company's path (404)", async () => {
    for (const url of [
      `${company('2')}/ticket/${world.tickets.c1}`,
      `${company('2')}/ticket`,
      `${company('2')}/events`,
      `${application('c')}/form`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: world.staff.one });
      expect([url, res.statusCode]).toEqual([url, 404]);
    }
  });
});
