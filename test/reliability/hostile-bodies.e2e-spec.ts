import { TestApp, startTestApp, staffAuth, storefrontAuth } from '../support/test-app';
import { SHOP, World, company, seedWorld } from '../support/world';

/**
 * Body shape limits at the edge (LEAD_JSON_MAX_*): a body nested deeper, or wider, than the bounds is a 400
 * problem before validation runs (class-validator recurses and would overflow the stack), on every route,
 * and nothing is stored, including free-form fields such as `_custom_json`.
 */
describe('hostile body shapes (end to end)', () => {
  let t: TestApp;
  let world: World;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp({ jsonMaxKeys: 200, jsonMaxItems: 300 });
    world = await seedWorld(t);
    staff = await staffAuth(t, 'one', 'agent-1');
  });
  afterAll(async () => t.dispose());

  const events = async () => (await t.store.readAll()).length;
  /** `levels` nested objects around a leaf: `{a: {a: … 'x'}}`, as raw JSON text (no recursion to build it). */
  const nested = (levels: number) => '{"a":'.repeat(levels) + '"x"' + '}'.repeat(levels);
  const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  async function refused(method: 'POST' | 'PUT', url: string, headers: Record<string, string>, payload: string, detail: string) {
    const before = await events();
    const res = await t.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload });
    expect([url, res.statusCode]).toEqual([url, 400]);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, type: 'urn:lead:problem:invalid', detail: expect.stringContaining(detail) });
    expect(await events()).toBe(before);
  }

  it('a body nested 1,500 levels (3 KB) is a 400 problem on every JSON route, not a 500', async () => {
    const routes: [method: 'POST' | 'PUT', url: string, headers: Record<string, string>][] = [
      ['POST', `${SHOP}/ticket/`, storefrontAuth('a', 'u1')],
      ['POST', `${SHOP}/ticket/${world.tickets.a1}/history`, storefrontAuth('a', 'u1')],
      ['POST', `${SHOP}/form/contact/submit`, storefrontAuth('a', 'u1')],
      ['POST', `${company('1')}/ticket`, staff],
      ['PUT', `${company('1')}/ticket/${world.tickets.staff1}`, staff],
      ['POST', `${company('1')}/ticket/${world.tickets.staff1}/feedback`, staff],
    ];
    for (const [method, url, headers] of routes) {
      await refused(method, url, headers, nested(1500), 'deeper than 32 levels');
      await refused(method, url, headers, deepArray(1500), 'deeper than 32 levels');
    }
  });

  it('a lone surrogate (JSON "\\ud800") is a 400 problem, not a 500, and stores nothing', async () => {
    // Found by the OpenAPI fuzz: `subscribers: "\ud800"` threw inside the e-mail check.
    const url = '/service/application/lead/v1.0/ticket/';
    await refused(
      'POST',
      url,
      storefrontAuth('a'),
      '{"category":"x","content":{"title":"a"},"subscribers":["\\ud800@x.io"]}',
      'lone surrogate',
    );
    await refused('POST', url, storefrontAuth('a'), '{"category":"x","content":{"title":"a"},"subscribers":"\\ud800x"}', 'lone surrogate');
    await refused('POST', url, storefrontAuth('a'), '{"category":"x","content":{"title":"\\udfff"}}', 'lone surrogate');
  });

  it('_custom_json nested 2,000 levels is refused and not stored; shallow custom JSON still is', async () => {
    const ticket = (custom: string) => `{"category":"deep","content":{"title":"Deep"},"_custom_json":${custom}}`;
    await refused('POST', `${SHOP}/ticket/`, storefrontAuth('a', 'u1'), ticket(nested(2000)), 'deeper than 32 levels');
    // The body is level 1 and _custom_json level 2, so 31 levels inside it reach the bound (32) exactly.
    await refused('POST', `${SHOP}/ticket/`, storefrontAuth('a', 'u1'), ticket(nested(32)), 'deeper than 32 levels');
    const ok = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/`,
      headers: { ...storefrontAuth('a', 'u1'), 'content-type': 'application/json' },
      payload: ticket(nested(31)),
    });
    expect(ok.statusCode).toBe(201);
  });

  it('too many members in one object or elements in one array (configured 200 / 300) is a 400', async () => {
    const members = JSON.stringify({
      category: 'wide',
      content: { title: 'Wide' },
      _custom_json: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])),
    });
    await refused('POST', `${SHOP}/ticket/`, storefrontAuth('a', 'u1'), members, 'more than 200 members');
    const elements = JSON.stringify({ category: 'wide', content: { title: 'Wide' }, tags: Array.from({ length: 301 }, (_, i) => `t${i}`) });
    await refused('POST', `${company('1')}/ticket`, staff, elements, 'more than 300 elements');
  });
});
