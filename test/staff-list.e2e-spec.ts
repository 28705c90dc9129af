import { AppKey, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';

describe('staff ticket list: filters, search, stable pages (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  const list = async (query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `${COMPANY_1}/ticket?${query}`, headers: staff });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const open = async (category: string, title: string, description = '', app: AppKey = 'a') =>
    (
      await t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/`,
        headers: storefrontAuth(app),
        payload: { category, content: { title, description } },
      })
    ).json();
  const edit = (id: string, body: object) =>
    t.app.inject({ method: 'PUT', url: `${COMPANY_1}/ticket/${id}`, headers: staff, payload: body });
  const numbers = (body: { items: { ticket_id: string }[] }) => body.items.map((i) => Number(i.ticket_id));

  it('returns items, filters and page by default; the flags pick the parts (reference 6.6)', async () => {
    const ticket = await open('shape-check', 'A ticket');
    await edit(ticket._id, { assigned_to: { agent_id: 'agent-9' } });
    const both = await list('');
    expect(Object.keys(both).sort()).toEqual(['filters', 'items', 'page']);
    expect(both.page).toMatchObject({ type: 'number', current: 1, size: 12, page_size: 12, has_previous: false });
    expect(both.filters.statuses.map((s: { key: string }) => s.key)).toEqual(['pending', 'in_progress', 'resolved', 'closed']);
    expect(both.filters.priorities.map((s: { key: string }) => s.key)).toEqual(['low', 'medium', 'high', 'urgent']);
    expect(both.filters.assignees).toContainEqual({ agent_id: 'agent-9' });
    expect(both.filters.categories).toContainEqual({ key: 'shape-check', display: 'Shape Check' });
    expect(Object.keys(await list('filters=true'))).toEqual(['filters']);
    expect(Object.keys(await list('items=true')).sort()).toEqual(['items', 'page']);
    expect(Object.keys(await list('items=false'))).toEqual(['filters']);
    expect(Object.keys(await list('items=true&filters=true')).sort()).toEqual(['filters', 'items', 'page']);
  });

  it('filters by status, priority and category', async () => {
    const [a, b, c] = [await open('filtering', 'one'), await open('filtering', 'two'), await open('filtering', 'three')];
    await edit(a._id, { status: 'in_progress', priority: 'high' });
    await edit(b._id, { priority: 'high' });
    const ids = async (q: string) => (await list(`items=true&category=filtering&${q}`)).items.map((i: { _id: string }) => i._id);
    expect(await ids('')).toEqual([c._id, b._id, a._id]);
    expect(await ids('priority=high')).toEqual([b._id, a._id]);
    expect(await ids('status=pending&priority=high')).toEqual([b._id]);
    expect(await ids('status=closed')).toEqual([]);
  });

  it('q searches titles and descriptions (prefixes, accents, HTML), never a syntax error, follows edits', async () => {
    const late = await open('search', 'Late delivery', 'The <b>courier</b> never came');
    const cafe = await open('search', 'Café refund', 'Charged twice');
    const ids = async (q: string) =>
      (await list(`items=true&category=search&q=${encodeURIComponent(q)}`)).items.map((i: { _id: string }) => i._id);
    expect(await ids('delivery')).toEqual([late._id]);
    expect(await ids('couri')).toEqual([late._id]);
    expect(await ids('cafe charged')).toEqual([cafe._id]);
    expect(await ids('late refund')).toEqual([]);
    expect(await ids('b')).toEqual([]); // markup is not indexed
    for (const q of ['"unbalanced', 'AND OR NOT (', '*', 'NEAR(a b)', '!!!']) expect(await ids(q)).toEqual([]);
    await edit(cafe._id, { content: { title: 'Coffee refund' } });
    expect(await ids('cafe')).toEqual([]);
    expect(await ids('coffee')).toEqual([cafe._id]);
  });

  it('pages stay stable while tickets arrive: follow page.next_id as `before`', async () => {
    const category = 'paging';
    const initial: number[] = [];
    for (let i = 0; i < 25; i++) initial.push(Number((await open(category, `initial ${i}`)).ticket_id));
    const first = await list(`items=true&category=${category}&page_size=10`);
    expect(first.page).toMatchObject({
      current: 1,
      item_total: 25,
      has_next: true,
      has_previous: false,
      next_id: String(numbers(first)[9]),
    });
    for (let i = 0; i < 5; i++) await open(category, `arrived later ${i}`);

    const seen = [...numbers(first)];
    let page = first;
    while (page.page.has_next) {
      page = await list(`items=true&category=${category}&page_size=10&before=${page.page.next_id}`);
      expect(page.page.has_previous).toBe(true);
      seen.push(...numbers(page));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...initial].sort((x, y) => y - x));

    // The same anchor also works with page numbers: `before` = one above the first page's newest ticket.
    const anchor = numbers(first)[0] + 1;
    const second = await list(`items=true&category=${category}&page_size=10&page_no=2&before=${anchor}`);
    expect(numbers(second)).toEqual(seen.slice(10, 20));
    expect(second.page).toMatchObject({ current: 2, item_total: 25, has_next: true, has_previous: true });
    // Without an anchor, page 2 shifts by the 5 new tickets: why clients should send `before`.
    expect(numbers(await list(`items=true&category=${category}&page_size=10&page_no=2`))).toEqual(seen.slice(5, 15));
  });

  it.each([
    ['page_size above 100', 'page_size=101', 'page_size'],
    ['page_size not a number', 'page_size=ten', 'page_size'],
    ['page_size zero', 'page_size=0', 'page_size'],
    ['page_no zero', 'page_no=0', 'page_no'],
    ['items not a boolean', 'items=maybe', 'items'],
    ['unknown status', 'status=done', 'status'],
    ['unknown priority', 'priority=asap', 'priority'],
    ['before not a number', 'before=abc', 'before'],
    ['unknown parameter', 'colour=red', 'colour'],
  ])('refuses %s with 400 problem details', async (_name, query, field) => {
    const res = await t.app.inject({ method: 'GET', url: `${COMPANY_1}/ticket?${query}`, headers: staff });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('page_size 100 is accepted', async () => {
    expect((await list('page_size=100')).page.size).toBe(100);
  });
});
