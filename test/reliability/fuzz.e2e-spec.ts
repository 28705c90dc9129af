import fc from 'fast-check';
import { Position } from '../../src/platform/event-store/event-store.port';
import { OpenApiDocument, Operation, fromSchema, hostileString, junk, pathParam } from '../support/openapi-arbitraries';
import { APPS, TestApp, startTestApp, storefrontAuth } from '../support/test-app';
import { World, seedWorld } from '../support/world';

/**
 * Property-based requests for every route and method of the served OpenAPI document: well-formed and hostile
 * path parameters, queries, bodies, content types and credentials. Whatever comes in: never a 5xx; every
 * refusal is a problem document; a refused request writes nothing. LEAD_FUZZ_SEED replays a run.
 */
// Lone surrogates cannot be percent-encoded; a client would send U+FFFD.
const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
const RUNS = Number(process.env.LEAD_FUZZ_RUNS ?? 50);
const seed = process.env.LEAD_FUZZ_SEED ? Number(process.env.LEAD_FUZZ_SEED) : undefined;

describe('fuzzing every route from the OpenAPI document (end to end)', () => {
  let t: TestApp;
  let world: World;
  let doc: OpenApiDocument;
  let head: Position | undefined;
  let events = 0;
  beforeAll(async () => {
    t = await startTestApp();
    world = await seedWorld(t);
    doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    await eventCount();
  });
  afterAll(async () => t.dispose());

  /** Events in the log, read incrementally (the log only grows). */
  async function eventCount(): Promise<number> {
    const fresh = await t.store.readAll({ fromPosition: head });
    if (fresh.length) head = fresh[fresh.length - 1].position;
    return (events += fresh.length);
  }

  type Sent = { method: string; url: string; headers: Record<string, string>; payload?: string };

  async function expectSafe(request: Sent): Promise<void> {
    const before = await eventCount();
    const res = await t.app.inject({ ...request, method: request.method as 'GET' });
    const context = `${request.method} ${request.url.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
    if (res.statusCode >= 500) throw new Error(`5xx: ${context}`);
    if (res.statusCode >= 400) {
      expect([context, res.headers['content-type']]).toEqual([context, expect.stringContaining('application/problem+json')]);
      const problem = res.json();
      expect([context, problem.status, typeof problem.title, typeof problem.detail]).toEqual([context, res.statusCode, 'string', 'string']);
      expect([context, await eventCount()]).toEqual([context, before]);
    } else if (res.body !== '' && !/^\/docs(\/(?!json)|$)/.test(request.url)) {
      // Only the docs UI is a page; the API answers JSON.
      expect([context, res.headers['content-type']]).toEqual([context, expect.stringMatching(/^application\/json/)]);
    }
  }

  const known = (): Record<string, string[]> => ({
    company_id: ['1', '2'],
    application_id: [APPS.a.application_id, APPS.b.application_id, APPS.c.application_id],
    id: Object.values(world.tickets),
    unique_name: [world.tickets.a1, world.tickets.c1, world.tickets.a2],
    slug: ['contact', 'support'],
  });

  /** Mostly the credential the route wants (so requests reach validation and the commands), else any other. */
  const credentials = (path: string, company = '1'): fc.Arbitrary<Record<string, string>> => {
    const staff = company === '2' ? world.staff.two : world.staff.one;
    const right = path.startsWith('/service/application')
      ? [storefrontAuth('a', 'u1'), storefrontAuth('a'), storefrontAuth('c', 'u1')]
      : path.startsWith('/service/platform')
        ? [staff, { ...staff, 'x-user-id': 'agent-9' }]
        : [{}];
    return fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...right) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, string>>(
          {},
          storefrontAuth('b'),
          world.staff.two,
          { authorization: 'Bearer' },
          { authorization: 'Basic %%%' },
          { ...staff, 'x-user-id': '<script>' },
        ),
      },
      { weight: 1, arbitrary: hostileString.map((h) => ({ authorization: `Bearer ${h.slice(0, 2000).replace(/[^\x21-\x7e]/g, 'x')}` })) },
    );
  };

  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        '}{',
        'application/webhook+json',
      ),
    },
  );

  /** One request for `method path`: its declared parameters and body, each well-formed or hostile. */
  function requestFor(path: string, method: string, op: Operation): fc.Arbitrary<Sent> {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const params = fc.tuple(...names.map((n) => pathParam(known()[n] ?? ['x'])));
    const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
    const query = fc.tuple(
      ...queryParams.map((p) =>
        fc.option(
          fc.oneof(
            fromSchema(doc, p.schema ?? {}, false).map(String),
            hostileString.map((s) => s.slice(0, 3000)),
          ),
          { nil: undefined },
        ),
      ),
      fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 })), { nil: undefined }),
    );
    const schema = Object.values(op.requestBody?.content ?? {})[0]?.schema;
    const body = fc.oneof(
      { weight: 4, arbitrary: schema ? fromSchema(doc, schema, false) : fc.constant(undefined) },
      { weight: 4, arbitrary: schema ? fromSchema(doc, schema, true) : junk },
      { weight: 1, arbitrary: junk },
      { weight: 1, arbitrary: fc.constantFrom(undefined, '{"unterminated":', '\u0000', 'null') },
    );
    const extra = fc.record({
      key: fc.option(hostileString, { nil: undefined }),
      ifMatch: fc.option(fc.constantFrom('"0"', '"999"', 'W/"1"', '*', 'garbage'), { nil: undefined }),
    });
    const withAuth = params.chain((values) => fc.tuple(fc.constant(values), credentials(path, values[names.indexOf('company_id')])));
    return fc.tuple(withAuth, query, body, contentType, extra).map(([[values, auth], q, b, type, more]) => {
      let url = path;
      names.forEach((n, i) => (url = url.replace(`{${n}}`, values[i])));
      const search = new URLSearchParams();
      queryParams.forEach((p, i) => q[i] !== undefined && search.append(p.name, q[i] as string));
      const unknown = q[queryParams.length] as [string, string] | undefined;
      if (unknown) search.append(unknown[0], unknown[1]);
      const headers: Record<string, string> = { ...auth };
      if (more.key !== undefined) headers['idempotency-key'] = more.key.slice(0, 300).replace(/[^\x20-\x7e]/g, '?');
      if (more.ifMatch !== undefined) headers['if-match'] = more.ifMatch;
      const sent: Sent = { method: method.toUpperCase(), url: `${url}${search.size ? `?${search}` : ''}`, headers };
      if (b !== undefined && method !== 'get') {
        headers['content-type'] = type;
        sent.payload = typeof b === 'string' ? b : JSON.stringify(b);
      }
      return sent;
    });
  }

  it('every operation: no 5xx, refusals are problem details, a refused request writes nothing', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, op } of operations) {
      await fc.assert(fc.asyncProperty(requestFor(path, method, op), expectSafe), { numRuns: RUNS, seed, endOnFailure: true });
    }
  }, 60_000);

  it('unknown routes, methods and malformed paths are problem details too', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    const prefix = fc.constantFrom('', '/service/application/lead/v1.0', '/service/platform/lead/v1.0/company/1', '/docs');
    const tail = fc.oneof(
      hostileString.map((s) => `/${encodeURIComponent(wellFormed(s.slice(0, 200)))}`),
      pathParam(['ticket', 'form']).map((s) => `/${s}/${s}`),
    );
    await fc.assert(
      fc.asyncProperty(method, prefix, tail, credentials('/service/platform'), (m, p, rest, headers) =>
        expectSafe({ method: m, url: `${p}${rest}`, headers }),
      ),
      { numRuns: RUNS * 4, seed, endOnFailure: true },
    );
  }, 30_000);
});
