import { TestApp, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';

describe('storefront tickets (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());

  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url: `${BASE}${url}`, headers: { 'user-agent': 'jest-e2e', ...headers }, payload: payload as object });
  const createTicket = (
    body: unknown = { category: 'order-issue', content: { title: 'Where is my order?' } },
    headers = storefrontAuth('a'),
  ) => inject('POST', '/ticket/', headers, body);
  const eventCount = async () => (await t.store.readAll()).length;

  it('creates a ticket in the Lead wire format and reads it back', async () => {
    const res = await createTicket(
      {
        category: 'order-issue',
        content: { title: 'Late order', description: 'It has been a week' },
        priority: 'high',
        _custom_json: { order: 'FY123' },
      },
      { ...storefrontAuth('a', 'user-1'), 'x-platform': 'android' },
    );
    expect(res.statusCode).toBe(201);
    const ticket = res.json();
    expect(ticket).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      ticket_id: expect.stringMatching(/^\d+$/),
      context: { company_id: '1', application_id: '000000000000000000000a01' },
      content: { title: 'Late order', description: 'It has been a week', attachments: [] },
      category: { key: 'order-issue', display: 'Order Issue' },
      source: 'sales_channel',
      status: { key: 'pending', display: 'Pending', color: '#eae22b' },
      priority: { key: 'high', display: 'High', color: '#fe4a49' },
      created_by: { id: 'user-1' },
      tags: [],
      created_on: { user_agent: 'jest-e2e', platform: 'android' },
      _custom_json: { order: 'FY123' },
    });
    expect(Date.parse(ticket.created_at)).not.toBeNaN();
    expect(ticket.updated_at).toBe(ticket.created_at);

    const read = await inject('GET', `/ticket/${ticket._id}`, storefrontAuth('a', 'user-1'));
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(ticket);
    expect(read.headers.etag).toBe('"0"');
  });

  it('accepts the create route with and without the trailing slash', async () => {
    const res = await inject('POST', '/ticket', storefrontAuth('a'), { category: 'x', content: { title: 'no slash' } });
    expect(res.statusCode).toBe(201);
  });

  it('adds history entries that a GET right after sees', async () => {
    const ticket = (await createTicket()).json();
    // An anonymous opener proves the ticket is its own with the access key of the create answer.
    const opener = { ...storefrontAuth('a'), 'x-ticket-access-key': ticket.access_key };
    const res = await inject('POST', `/ticket/${ticket._id}/history`, opener, {
      type: 'comment',
      value: { text: 'hello service', media: [] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      ticket_id: ticket.ticket_id,
      type: 'comment',
      value: { text: 'hello service', media: [] },
      created_on: { user_agent: 'jest-e2e', platform: 'web' },
    });
    const events = await t.store.readStream(`ticket-${ticket._id}`);
    expect(events.map((e) => e.type)).toEqual(['TicketCreated', 'HistoryAppended']);
    expect(events[1].metadata).toMatchObject({
      actor: { type: 'application', id: '000000000000000000000a01' },
      tenant: { companyId: '1' },
    });
    const read = await inject('GET', `/ticket/${ticket._id}`, opener);
    expect(read.headers.etag).toBe('"1"');
  });

  it('numbers tickets per company: 200 concurrent creates get 200 distinct, gapless numbers', async () => {
    const before = (await createTicket()).json().ticket_id as string;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createTicket({ category: 'bulk', content: { title: `bulk ${i}` } })),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const numbers = results.map((r) => Number(r.json().ticket_id)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => Number(before) + 1 + i));
    // Another company counts on its own.
    const other = await createTicket(undefined, storefrontAuth('c'));
    expect(other.json().ticket_id).toBe('1');
  });

  describe('authentication and tenancy', () => {
    it('401 without credentials, with a wrong token, with an unknown application, as problem details', async () => {
      const wrong = { authorization: `Bearer ${Buffer.from('000000000000000000000a01:nope').toString('base64')}` };
      const unknown = { authorization: `Bearer ${Buffer.from('ffffffffffffffffffffffff:token-a-0123456789abcdef').toString('base64')}` };
      for (const headers of [{}, wrong, unknown, { authorization: 'Basic abc' }, { authorization: 'Bearer %%%' }]) {
        const res = await createTicket(undefined, headers);
        expect(res.statusCode).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    });

    it('a ticket of another application or company reads as 404, and takes no history', async () => {
      const ticket = (await createTicket()).json();
      for (const key of ['b', 'c'] as const) {
        expect((await inject('GET', `/ticket/${ticket._id}`, storefrontAuth(key))).statusCode).toBe(404);
        const res = await inject('POST', `/ticket/${ticket._id}/history`, storefrontAuth(key), { type: 'comment', value: { text: 'x' } });
        expect(res.statusCode).toBe(404);
      }
      expect(await t.store.readStream(`ticket-${ticket._id}`)).toHaveLength(1);
    });

    it("a storefront user does not see another user's ticket", async () => {
      const ticket = (await createTicket(undefined, storefrontAuth('a', 'alice'))).json();
      expect((await inject('GET', `/ticket/${ticket._id}`, storefrontAuth('a', 'bob'))).statusCode).toBe(404);
      expect((await inject('GET', `/ticket/${ticket._id}`, storefrontAuth('a', 'alice'))).statusCode).toBe(200);
    });

    it('an unknown ticket id is 404 problem details', async () => {
      const res = await inject('GET', '/ticket/ffffffffffffffffffffffff', storefrontAuth('a'));
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ type: 'urn:lead:problem:not-found', status: 404 });
    });
  });

  describe('validation: 400 problem details naming the field, nothing appended', () => {
    const cases: [string, unknown, string][] = [
      ['missing title', { category: 'x', content: {} }, 'content.title'],
      ['empty title', { category: 'x', content: { title: '' } }, 'content.title'],
      ['missing content', { category: 'x' }, 'content'],
      ['missing category', { content: { title: 't' } }, 'category'],
      ['unknown priority', { category: 'x', content: { title: 't' }, priority: 'whenever' }, 'priority'],
      ['wrong type', { category: 42, content: { title: 't' } }, 'category'],
      ['unknown field', { category: 'x', content: { title: 't' }, colour: 'red' }, 'colour'],
      ['unknown nested field', { category: 'x', content: { title: 't', body: 'b' } }, 'content.body'],
      ['too long title', { category: 'x', content: { title: 'x'.repeat(301) } }, 'content.title'],
      [
        'bad attachment',
        { category: 'x', content: { title: 't', attachments: [{ type: 'pdf', value: 'u' }] } },
        'content.attachments.0.type',
      ],
      ['storefront sets status', { category: 'x', content: { title: 't' }, status: 'closed' }, 'status'],
    ];
    it.each(cases)('create: %s', async (_name, body, field) => {
      const before = await eventCount();
      const res = await createTicket(body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem.status).toBe(400);
      expect(problem.detail).toContain(field);
      if (problem.errors) expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await eventCount()).toBe(before);
    });

    it.each([
      ['unknown history type', { type: 'shout', value: { text: 'x' } }, 'type'],
      ['missing value', { type: 'comment' }, 'value'],
      ['value not an object', { type: 'comment', value: 'text' }, 'value'],
      ['oversized value', { type: 'comment', value: { text: 'x'.repeat(40_000) } }, 'value'],
    ])('history: %s', async (_name, body, field) => {
      const ticket = (await createTicket()).json();
      const before = await eventCount();
      const res = await inject('POST', `/ticket/${ticket._id}/history`, storefrontAuth('a'), body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await eventCount()).toBe(before);
    });

    it('malformed JSON is 400 and an oversized body is 413, both problem details', async () => {
      const before = await eventCount();
      const bad = await t.app.inject({
        method: 'POST',
        url: `${BASE}/ticket/`,
        headers: { ...storefrontAuth('a'), 'content-type': 'application/json' },
        payload: '{"category":',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      const big = await createTicket({ category: 'x', content: { title: 't', description: 'x'.repeat(2 * 1024 * 1024) } });
      expect(big.statusCode).toBe(413);
      expect(big.headers['content-type']).toContain('application/problem+json');
      expect(await eventCount()).toBe(before);
    });
  });

  it('serves the OpenAPI document at /docs', async () => {
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = json.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/service/application/lead/v1.0/ticket', '/service/application/lead/v1.0/ticket/{id}/history']),
    );
  });
});

describe('restart', () => {
  it('keeps tickets and resumes projections from the checkpoint', async () => {
    const first = await startTestApp();
    const headers = { ...storefrontAuth('a'), 'content-type': 'application/json' };
    const create = (app: TestApp, title: string) =>
      app.app.inject({ method: 'POST', url: `${BASE}/ticket/`, headers, payload: { category: 'x', content: { title } } });
    const one = (await create(first, 'before restart')).json();
    await first.close();

    const second = await startTestApp({}, first.dir);
    try {
      const read = await second.app.inject({
        method: 'GET',
        url: `${BASE}/ticket/${one._id}`,
        headers: { ...headers, 'x-ticket-access-key': one.access_key },
      });
      expect(read.json()).toEqual({ ...one, access_key: undefined }); // the key is shown at creation only
      const two = (await create(second, 'after restart')).json();
      expect(two.ticket_id).toBe(String(Number(one.ticket_id) + 1));
    } finally {
      await second.dispose();
    }
  });
});
