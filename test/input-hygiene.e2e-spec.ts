import { TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';

/** Issue 10, point 8: blank texts, non-UTF-8 JSON, and keys that name Object.prototype members. */
describe('input hygiene (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  const eventCount = async () => (await t.store.readAll()).length;
  const createTicket = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `${STOREFRONT}/ticket/`,
      headers: { ...storefrontAuth('a', 'alice'), ...headers },
      payload: payload as string,
    });
  const openTicket = async () =>
    (await createTicket({ category: 'order-issue', content: { title: 'Where is my order?' } })).json()._id as string;

  describe('required texts that are only whitespace', () => {
    it.each([
      ['a title of spaces', { category: 'order-issue', content: { title: '   ' } }, 'content.title'],
      ['a title of tabs, newlines and no-break spaces', { category: 'order-issue', content: { title: '\t\n\u00a0 ' } }, 'content.title'],
      ['a category of spaces', { category: '  ', content: { title: 'Hello' } }, 'category'],
    ])('refuses %s with 400 and stores nothing', async (_name, payload, field) => {
      const before = await eventCount();
      const res = await createTicket(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field, message: `${field.split('.').pop()} should not be empty or only whitespace` }]);
      expect(await eventCount()).toBe(before);
    });

    it('refuses a blank title, category or agent in a staff edit', async () => {
      const id = await openTicket();
      for (const payload of [{ content: { title: ' ' } }, { category: '\t' }, { assigned_to: { agent_id: '  ' } }, { tags: ['ok', ' '] }]) {
        const res = await t.app.inject({ method: 'PUT', url: `${COMPANY_1}/ticket/${id}`, headers: staff, payload });
        expect(res.statusCode).toBe(400);
      }
      expect((await t.store.readStream(`ticket-${id}`)).length).toBe(1);
    });

    it('keeps a title with text around spaces as sent', async () => {
      const res = await createTicket({ category: 'order-issue', content: { title: '  Where is it?  ' } });
      expect(res.statusCode).toBe(201);
      expect(res.json().content.title).toBe('  Where is it?  ');
    });
  });

  describe('JSON bodies in another charset than UTF-8', () => {
    const body = JSON.stringify({ category: 'order-issue', content: { title: 'Où est ma commande ?' } });
    it.each([
      ['utf-16', Buffer.from(body, 'utf16le')],
      ['UTF-16LE', Buffer.from(body, 'utf16le')],
      ['"iso-8859-1"', Buffer.from(body, 'latin1')],
    ])('answers 415 for charset=%s and stores nothing', async (charset, payload) => {
      const before = await eventCount();
      const res = await createTicket(payload as unknown as string, { 'content-type': `application/json; charset=${charset}` });
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/must be UTF-8/);
      expect(await eventCount()).toBe(before);
    });

    it('takes charset=utf-8 (any case, quoted) and no charset', async () => {
      for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json']) {
        const res = await createTicket(body, { 'content-type': contentType });
        expect(res.statusCode).toBe(201);
        expect(res.json().content.title).toBe('Où est ma commande ?');
      }
    });
  });

  describe('keys named like Object.prototype members', () => {
    const feedback = (id: string, raw: string) =>
      t.app.inject({
        method: 'POST',
        url: `${COMPANY_1}/ticket/${id}/feedback`,
        headers: { ...staff, 'content-type': 'application/json' },
        payload: raw,
      });

    it('keeps them as plain data in feedback answers', async () => {
      const id = await openTicket();
      const res = await feedback(
        id,
        '{"form_response":{"toString":"5","constructor":4,"valueOf":true,"hasOwnProperty":"x","prototype":"p","rating":3}}',
      );
      expect(res.statusCode).toBe(201);
      expect(res.json().response.map((r: { key: string; value: string }) => `${r.key}=${r.value}`)).toEqual([
        'toString=5',
        'constructor=4',
        'valueOf=true',
        'hasOwnProperty=x',
        'prototype=p',
        'rating=3',
      ]);
      const list = await t.app.inject({ method: 'GET', url: `${COMPANY_1}/ticket/${id}/feedback`, headers: staff });
      expect(list.json().items[0].response).toHaveLength(6);
    });

    it('keeps them in _custom_json', async () => {
      const res = await createTicket({
        category: 'order-issue',
        content: { title: 'Hi' },
        _custom_json: { toString: 'a', nested: { constructor: 'b' } },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()._custom_json).toEqual({ toString: 'a', nested: { constructor: 'b' } });
    });

    it('refuses them as unknown fields of a body, naming the field', async () => {
      const before = await eventCount();
      const res = await createTicket({ category: 'order-issue', content: { title: 'Hi', toString: 'x' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'content.toString', message: 'property toString should not exist' }]);
      expect(await eventCount()).toBe(before);
    });

    it('refuses a "__proto__" key in a body with a message that names it', async () => {
      const id = await openTicket();
      const res = await feedback(id, '{"form_response":{"__proto__":"5"}}');
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/__proto__/);
    });

    it.each(['__proto__=1', 'toString=1', 'constructor=x', 'valueOf=1', 'hasOwnProperty=1'])(
      'refuses the query parameter %s like any unknown one',
      async (query) => {
        const res = await t.app.inject({ method: 'GET', url: `${COMPANY_1}/ticket?${query}`, headers: staff });
        expect(res.statusCode).toBe(400);
        const name = query.split('=')[0];
        expect(res.json().errors).toEqual([{ field: name, message: `property ${name} should not exist` }]);
      },
    );
  });
});
