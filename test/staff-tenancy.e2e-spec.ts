import { JwtService } from '@nestjs/jwt';
import { APPS, AppKey, STAFF, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const platform = (company: string, app?: AppKey) =>
  `/service/platform/lead/v1.0/company/${company}${app ? `/application/${APPS[app].application_id}` : ''}`;

/** Every staff route of one ticket, with a body that would be accepted in the right tenant. */
const ticketRoutes = (id: string): ['GET' | 'POST' | 'PUT', string, object?][] => [
  ['GET', `/ticket/${id}`],
  ['PUT', `/ticket/${id}`, { priority: 'urgent' }],
  ['GET', `/ticket/${id}/history`],
  ['POST', `/ticket/${id}/history`, { type: 'comment', value: { text: 'x' } }],
];
const companyOnlyRoutes = (id: string): ['GET' | 'POST' | 'PUT', string, object?][] => [
  ['GET', `/ticket/${id}/feedback`],
  ['POST', `/ticket/${id}/feedback`, { form_response: { rating: 1 } }],
];

describe('staff desk tenancy (end to end)', () => {
  let t: TestApp;
  let one: Record<string, string>;
  let two: Record<string, string>;
  const tickets: Record<string, { _id: string; ticket_id: string }> = {};
  beforeAll(async () => {
    t = await startTestApp();
    [one, two] = [await staffAuth(t, 'one'), await staffAuth(t, 'two')];
    for (const [name, app, user] of [
      ['a', 'a', 'alice'],
      ['a2', 'a', 'bob'],
      ['b', 'b', 'carol'],
      ['c', 'c', 'dave'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/`,
        headers: storefrontAuth(app, user),
        payload: { category: 'tenancy', content: { title: `ticket ${name}` } },
      });
      tickets[name] = res.json();
    }
    tickets.panel = (
      await t.app.inject({
        method: 'POST',
        url: `${platform('1')}/ticket`,
        headers: one,
        payload: { category: 'tenancy', content: { title: 'panel' } },
      })
    ).json();
  });
  afterAll(async () => t.dispose());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url, headers, payload });
  const eventCount = async () => (await t.store.readAll()).length;
  const listed = async (base: string, headers: Record<string, string>) =>
    (await call('GET', `${base}/ticket?items=true&category=tenancy&page_size=100`, headers))
      .json()
      .items.map((i: { content: { title: string } }) => i.content.title)
      .sort();

  it("a company 1 token on company 2's paths is 404 everywhere, and appends nothing", async () => {
    const before = await eventCount();
    const routes = [
      ...ticketRoutes(tickets.c._id),
      ...companyOnlyRoutes(tickets.c._id),
      ['GET', '/ticket'],
      ['POST', '/ticket', { category: 'x', content: { title: 't' } }],
      ['GET', '/general-config'],
    ] as const;
    for (const [method, path, body] of routes) {
      const res = await call(method, `${platform('2')}${path}`, one, body);
      expect([method, path, res.statusCode]).toEqual([method, path, 404]);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(await eventCount()).toBe(before);
  });

  it("company 2's token on its own path does not reach company 1's tickets", async () => {
    const before = await eventCount();
    for (const [method, path, body] of [...ticketRoutes(tickets.a._id), ...companyOnlyRoutes(tickets.a._id)]) {
      expect((await call(method, `${platform('2')}${path}`, two, body)).statusCode).toBe(404);
    }
    expect(await eventCount()).toBe(before);
    expect(await listed(platform('2'), two)).toEqual(['ticket c']);
  });

  it("application level: app b's ticket via app a's path is 404; each application lists only its own tickets", async () => {
    const before = await eventCount();
    for (const [method, path, body] of [...ticketRoutes(tickets.b._id), ...ticketRoutes(tickets.panel._id)]) {
      expect((await call(method, `${platform('1', 'a')}${path}`, one, body)).statusCode).toBe(404);
    }
    expect(await eventCount()).toBe(before);
    expect((await call('GET', `${platform('1', 'b')}/ticket/${tickets.b._id}`, one)).statusCode).toBe(200);
    expect(await listed(platform('1', 'a'), one)).toEqual(['ticket a', 'ticket a2']);
    expect(await listed(platform('1', 'b'), one)).toEqual(['ticket b']);
    expect(await listed(platform('1'), one)).toEqual(['panel', 'ticket a', 'ticket a2', 'ticket b']);
  });

  it('an application of another company, or an unknown one, is 404 on application-level paths', async () => {
    expect((await call('GET', `${platform('1', 'c')}/ticket`, one)).statusCode).toBe(404);
    expect((await call('GET', `${platform('1', 'c')}/ticket/${tickets.c._id}`, one)).statusCode).toBe(404);
    expect((await call('GET', `${platform('1')}/application/ffffffffffffffffffffffff/ticket`, one)).statusCode).toBe(404);
    expect((await call('GET', `${platform('2', 'a')}/ticket`, two)).statusCode).toBe(404);
  });

  it("application-level routes edit and comment on that application's tickets", async () => {
    const edited = await call('PUT', `${platform('1', 'b')}/ticket/${tickets.b._id}`, one, { status: 'in_progress' });
    expect(edited.statusCode).toBe(200);
    expect(edited.headers.etag).toBe('"2"');
    const history = (await call('GET', `${platform('1', 'b')}/ticket/${tickets.b._id}/history`, one)).json();
    expect(history.items.map((h: { type: string }) => h.type)).toEqual(['diff']);
  });

  it('storefront users see only their own tickets; staff see every ticket of the company', async () => {
    expect((await call('GET', `${STOREFRONT}/ticket/${tickets.a._id}`, storefrontAuth('a', 'bob'))).statusCode).toBe(404);
    expect((await call('GET', `${STOREFRONT}/ticket/${tickets.a2._id}`, storefrontAuth('a', 'bob'))).statusCode).toBe(200);
    expect((await call('GET', `${STOREFRONT}/ticket/${tickets.panel._id}`, storefrontAuth('a'))).statusCode).toBe(404);
    for (const ticket of [tickets.a, tickets.a2, tickets.b, tickets.panel]) {
      expect((await call('GET', `${platform('1')}/ticket/${ticket._id}`, one)).statusCode).toBe(200);
    }
  });

  it('401 for a missing, forged, expired or storefront credential on staff routes', async () => {
    const sign = (secret: string, expiresIn: number) =>
      new JwtService({ secret }).sign(
        { company_id: '1' },
        { subject: STAFF.one.client_id, audience: 'lead-platform', issuer: 'lead-service', expiresIn },
      );
    const valid = sign('test-token-secret', 60);
    expect((await call('GET', `${platform('1')}/ticket`, { authorization: `Bearer ${valid}` })).statusCode).toBe(200);
    for (const headers of [
      {},
      { authorization: `Bearer ${sign('another-secret', 60)}` },
      { authorization: `Bearer ${sign('test-token-secret', -10)}` },
      storefrontAuth('a'),
    ]) {
      const res = await call('PUT', `${platform('1')}/ticket/${tickets.a._id}`, headers, { priority: 'urgent' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // And a staff token is no storefront credential.
    expect((await call('GET', `${STOREFRONT}/ticket/${tickets.a._id}`, one)).statusCode).toBe(401);
  });
});
