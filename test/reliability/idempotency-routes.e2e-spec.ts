import { SQLITE_DB } from '../../src/platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../src/platform/sqlite/sqlite-database';
import { TestApp, startTestApp, storefrontAuth } from '../support/test-app';
import { CONTACT_FORM, SHOP, World, application, company, seedWorld } from '../support/world';

/**
 * Idempotency-Key on every POST route of the OpenAPI document. Exempt, on purpose: the token endpoint (it
 * changes nothing, and a stored answer would keep a bearer token at rest) and the LiveKit webhook (LiveKit
 * sends no key; each delivery carries its own id, which the video commands already deduplicate). And the
 * outbound webhook routes: a create or a rotation answers a signing secret (a stored answer would keep it at
 * rest, as for the token), pause and resume change nothing the second time, a ping or a redelivery sent twice
 * is one more delivery of the same webhook-id, which receivers dedupe. Uploads: a multipart stream is not
 * kept to compare a retry with; a retried upload stores a second copy under a new id, which nothing references
 * and the retention sweep deletes (docs/api.md "Attachments").
 */
const WEBHOOKS = '/service/platform/lead/v1.0/company/{company_id}/webhooks';
const EXEMPT = [
  '/service/panel/authentication/v1.0/company/{company_id}/oauth/token',
  '/service/webhooks/livekit',
  '/service/application/lead/v1.0/upload',
  '/service/platform/lead/v1.0/company/{company_id}/upload',
  // Idempotent by itself: a repeated erasure writes nothing and answers the first receipt's record.
  '/service/platform/lead/v1.0/company/{company_id}/privacy/erasure',
  WEBHOOKS,
  ...['pause', 'resume', 'rotate-secret', 'test', 'deliveries/{delivery_id}/redeliver'].map((action) => `${WEBHOOKS}/{id}/${action}`),
];

type Request = { url: string; headers: Record<string, string>; bodies: [object, object] };
const comment = (text: string) => ({ type: 'comment', value: { text, media: [] } });
const ticket = (title: string) => ({ category: 'keyed', content: { title } });

/** One valid request per POST route (by its OpenAPI path), and a second body to reuse the key with. */
const ROUTES: Record<string, (w: World) => Request> = {
  '/service/application/lead/v1.0/ticket': () => ({
    url: `${SHOP}/ticket/`,
    headers: storefrontAuth('a', 'u1'),
    bodies: [ticket('one'), ticket('two')],
  }),
  '/service/application/lead/v1.0/ticket/{id}/history': (w) => ({
    url: `${SHOP}/ticket/${w.tickets.a1}/history`,
    headers: storefrontAuth('a', 'u1'),
    bodies: [comment('one'), comment('two')],
  }),
  '/service/application/lead/v1.0/form/{slug}/submit': () => ({
    url: `${SHOP}/form/contact/submit`,
    headers: storefrontAuth('a', 'u1'),
    bodies: [{ response: [{ key: 'name', value: 'Ann' }] }, { response: [{ key: 'name', value: 'Bob' }] }],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/ticket': (w) => ({
    url: `${company('1')}/ticket`,
    headers: w.staff.one,
    bodies: [ticket('one'), ticket('two')],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/ticket/{id}/history': (w) => ({
    url: `${company('1')}/ticket/${w.tickets.a1}/history`,
    headers: w.staff.one,
    bodies: [comment('one'), comment('two')],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/application/{application_id}/ticket/{id}/history': (w) => ({
    url: `${application('a')}/ticket/${w.tickets.a2}/history`,
    headers: w.staff.one,
    bodies: [comment('one'), comment('two')],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/ticket/{id}/feedback': (w) => ({
    url: `${company('1')}/ticket/${w.tickets.a1}/feedback`,
    headers: w.staff.one,
    bodies: [{ form_response: { rating: 5 } }, { form_response: { rating: 1 } }],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/application/{application_id}/form': (w) => ({
    url: `${application('a')}/form`,
    headers: w.staff.one,
    bodies: [
      { ...CONTACT_FORM, slug: 'keyed' },
      { ...CONTACT_FORM, slug: 'other' },
    ],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/video/room': (w) => ({
    url: `${company('1')}/video/room`,
    headers: w.staff.one,
    bodies: [{ unique_name: w.tickets.staff1 }, { unique_name: w.tickets.b1 }],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/application/{application_id}/video/room': (w) => ({
    url: `${application('a')}/video/room`,
    headers: w.staff.one,
    bodies: [{ unique_name: w.tickets.a2 }, { unique_name: w.tickets.a1 }],
  }),
  // A condition no ticket of this suite meets: the SLA processor writes nothing behind the event counts.
  '/service/platform/lead/v1.0/company/{company_id}/sla-policies': (w) => ({
    url: `${company('1')}/sla-policies`,
    headers: w.staff.one,
    bodies: [1, 2].map((n) => ({
      name: `keyed ${n}`,
      condition: { categories: ['no-such-category'] },
      targets: { first_reply: { minutes: 60 * n, time: 'business' } },
    })) as [object, object],
  }),
  '/service/platform/lead/v1.0/company/{company_id}/group': (w) => ({
    url: `${company('1')}/group`,
    headers: w.staff.one,
    bodies: [{ name: 'keyed group 1', agents: ['agent-1'] }, { name: 'keyed group 2' }],
  }),
};

describe('Idempotency-Key on every POST route (end to end)', () => {
  let t: TestApp;
  let world: World;
  beforeAll(async () => {
    t = await startTestApp();
    world = await seedWorld(t);
  });
  afterAll(async () => t.dispose());

  const send = (request: Request, body: object, key: string) =>
    t.app.inject({ method: 'POST', url: request.url, headers: { ...request.headers, 'idempotency-key': key }, payload: body });
  const eventCount = async () => (await t.store.readAll()).length;

  it('covers every POST route of the OpenAPI document but the exempt ones, and documents the header on each', async () => {
    const { paths } = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const posts = Object.keys(paths).filter((path) => paths[path].post);
    expect(posts.filter((path) => !EXEMPT.includes(path)).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const path of Object.keys(ROUTES)) {
      expect([
        path,
        paths[path].post.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key'),
      ]).toEqual([path, true]);
    }
  });

  const answers = new Map<string, string>();

  it.each(Object.keys(ROUTES))(
    '%s: a retry answers the first answer and writes nothing; the key with another body is 422',
    async (path) => {
      const request = ROUTES[path](world);
      const key = `key-${path}`;
      const first = await send(request, request.bodies[0], key);
      expect([first.statusCode, first.body]).toEqual([201, expect.any(String)]);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const written = await eventCount();

      const again = await send(request, request.bodies[0], key);
      expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
      const reused = await send(request, request.bodies[1], key);
      expect(reused.statusCode).toBe(422);
      expect(reused.headers['content-type']).toContain('application/problem+json');
      expect(await eventCount()).toBe(written);
      answers.set(path, first.body);
    },
  );

  it('keeps the answers across a restart: every retry after it answers the same, nothing is written', async () => {
    await t.close();
    t = await startTestApp({}, t.dir);
    const before = await eventCount();
    for (const [path, body] of answers) {
      const request = ROUTES[path](world);
      const again = await send(request, request.bodies[0], `key-${path}`);
      expect([path, again.statusCode, again.body]).toEqual([path, 201, body]);
    }
    expect(answers.size).toBe(Object.keys(ROUTES).length);
    expect(await eventCount()).toBe(before);
  });

  // The memory store forgets the log on a restart: there is no earlier write to find.
  const persistentStore = process.env.LEAD_TEST_STORE !== 'memory';
  (persistentStore ? it : it.skip)(
    'a keyed request whose answer was lost (the service stopped mid-request) runs again and finds its own write',
    async () => {
      const request = ROUTES['/service/application/lead/v1.0/ticket/{id}/history'](world);
      const first = await send(request, comment('lost answer'), 'lost-answer');
      // Simulate the crash between the write and storing the answer: the key is back to "in flight".
      t.app
        .get<SqliteDatabase>(SQLITE_DB)
        .prepare(`UPDATE idempotency_keys SET state = 'in_progress', status = NULL, body = NULL WHERE key = 'lost-answer'`)
        .run();
      await t.close();
      t = await startTestApp({}, t.dir);
      const before = await eventCount();
      const retry = await send(request, comment('lost answer'), 'lost-answer');
      expect([retry.statusCode, retry.json()._id]).toEqual([201, first.json()._id]);
      expect(await eventCount()).toBe(before);
    },
  );
});
