import { TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';

describe('staff desk (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  type Method = 'GET' | 'POST' | 'PUT';
  const call = (method: Method, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers: { 'user-agent': 'jest-e2e', ...headers }, payload: payload as object });
  const desk = (method: Method, path: string, payload?: unknown, extra: Record<string, string> = {}) =>
    call(method, `${COMPANY_1}${path}`, { ...staff, ...extra }, payload);
  const openTicket = async (title = 'Where is my order?', user = 'alice') =>
    (
      await call('POST', `${STOREFRONT}/ticket/`, storefrontAuth('a', user), {
        category: 'order-issue',
        content: { title, description: 'Order FY-123' },
      })
    ).json();
  const eventCount = async () => (await t.store.readAll()).length;

  it('edits a storefront ticket: one event per change, a diff history entry, ETag, updated_at moves', async () => {
    const ticket = await openTicket();
    const read = await desk('GET', `/ticket/${ticket._id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"0"');
    expect(read.json()).toEqual(ticket);

    const res = await desk(
      'PUT',
      `/ticket/${ticket._id}`,
      { status: 'in_progress', priority: 'high', assigned_to: { agent_id: 'agent-7' }, tags: ['vip', 'late'] },
      { 'if-match': '"0"' },
    );
    expect(res.statusCode).toBe(200);
    const edited = res.json();
    expect(edited).toMatchObject({
      status: { key: 'in_progress', display: 'In Progress' },
      priority: { key: 'high' },
      assigned_to: { agent_id: 'agent-7' },
      tags: ['vip', 'late'],
      created_at: ticket.created_at,
    });
    expect(res.headers.etag).toBe('"5"');

    const events = await t.store.readStream(`ticket-${ticket._id}`);
    // updated_at follows the edit (the event's time), created_at stays.
    expect(edited.updated_at).toBe(events[1].data.changed_at);
    expect(edited.updated_at >= ticket.updated_at).toBe(true);
    expect(events.map((e) => e.type)).toEqual([
      'TicketCreated',
      'TicketStatusChanged',
      'TicketPriorityChanged',
      'TicketAssigned',
      'TicketTagsChanged',
      'HistoryAppended',
    ]);
    expect(events[5].data).toMatchObject({
      type: 'diff',
      value: { status: ['pending', 'in_progress'], priority: ['low', 'high'], assigned_to: [null, 'agent-7'], tags: [[], ['vip', 'late']] },
      created_by: { id: 'agent-7', user_type: 'staff' },
    });
    expect(events[1].metadata).toMatchObject({ actor: { type: 'staff_user', id: 'agent-7' }, tenant: { companyId: '1' } });

    // The customer sees the change on the storefront.
    const mine = await call('GET', `${STOREFRONT}/ticket/${ticket._id}`, storefrontAuth('a', 'alice'));
    expect(mine.json().status.key).toBe('in_progress');
    expect(mine.headers.etag).toBe('"5"');
  });

  it('an edit that changes nothing appends nothing and returns the ticket', async () => {
    const ticket = await openTicket();
    const before = await eventCount();
    const res = await desk('PUT', `/ticket/${ticket._id}`, {
      status: 'pending',
      priority: 'low',
      category: 'order-issue',
      tags: [],
      source: 'sales_channel',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(ticket);
    expect(res.headers.etag).toBe('"0"');
    expect(await eventCount()).toBe(before);
  });

  it('edits content and category; description and attachments left out are kept', async () => {
    const ticket = await openTicket('Old title');
    const res = await desk('PUT', `/ticket/${ticket._id}`, { content: { title: 'New title' }, category: 'refund', sub_category: 'card' });
    expect(res.json()).toMatchObject({
      content: { title: 'New title', description: 'Order FY-123', attachments: [] },
      category: { key: 'refund', display: 'Refund' },
      sub_category: 'card',
    });
    const history = (await desk('GET', `/ticket/${ticket._id}/history`)).json();
    expect(history.items.map((h: { type: string }) => h.type)).toEqual(['diff']);
    expect(history.items[0].value).toEqual({
      content: [
        { title: 'Old title', description: 'Order FY-123', attachments: [] },
        { title: 'New title', description: 'Order FY-123', attachments: [] },
      ],
      category: ['order-issue', 'refund'],
      sub_category: [null, 'card'],
    });
  });

  describe('optimistic concurrency', () => {
    it('a stale If-Match is 412 and changes nothing; without If-Match the edit applies to the latest state', async () => {
      const ticket = await openTicket();
      expect((await desk('PUT', `/ticket/${ticket._id}`, { priority: 'medium' }, { 'if-match': '"0"' })).statusCode).toBe(200);
      const before = await eventCount();
      for (const ifMatch of ['"0"', 'W/"2"', '2', '"nope"']) {
        const stale = await desk('PUT', `/ticket/${ticket._id}`, { priority: 'urgent' }, { 'if-match': ifMatch });
        expect(stale.statusCode).toBe(412);
        expect(stale.headers['content-type']).toContain('application/problem+json');
        expect(stale.json()).toMatchObject({ type: 'urn:lead:problem:precondition-failed', current_etag: '"2"' });
      }
      expect(await eventCount()).toBe(before);
      expect((await desk('GET', `/ticket/${ticket._id}`)).json().priority.key).toBe('medium');
      const list = await desk('PUT', `/ticket/${ticket._id}`, { priority: 'urgent' }, { 'if-match': '"7", "2"' });
      expect(list.statusCode).toBe(200);
      const latest = await desk('PUT', `/ticket/${ticket._id}`, { priority: 'high' });
      expect(latest.json().priority.key).toBe('high');
      expect(latest.headers.etag).toBe('"6"');
    });

    it('of two concurrent edits with the same If-Match, exactly one wins', async () => {
      const ticket = await openTicket();
      const [a, b] = await Promise.all(
        ['high', 'urgent'].map((priority) => desk('PUT', `/ticket/${ticket._id}`, { priority }, { 'if-match': '"0"' })),
      );
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 412]);
      expect(await t.store.readStream(`ticket-${ticket._id}`)).toHaveLength(3);
    });
  });

  describe('status lifecycle', () => {
    it('refuses a forbidden transition with 409 naming the rule, and allows reopening', async () => {
      const ticket = await openTicket();
      expect((await desk('PUT', `/ticket/${ticket._id}`, { status: 'closed' })).statusCode).toBe(200);
      const before = await eventCount();
      const res = await desk('PUT', `/ticket/${ticket._id}`, { status: 'pending', priority: 'high' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        type: 'urn:lead:problem:forbidden-transition',
        from: 'closed',
        to: 'pending',
        allowed: ['in_progress'],
      });
      expect(res.json().detail).toContain('only be reopened');
      expect(await eventCount()).toBe(before);
      expect((await desk('PUT', `/ticket/${ticket._id}`, { status: 'in_progress' })).json().status.key).toBe('in_progress');
    });
  });

  describe('validation: 400 naming the field, nothing appended', () => {
    it.each([
      ['source change', { source: 'platform_panel' }, 'source'],
      ['unknown status', { status: 'done' }, 'status'],
      ['unknown priority', { priority: 'asap' }, 'priority'],
      ['assignee without agent_id', { assigned_to: {} }, 'assigned_to.agent_id'],
      ['tags not strings', { tags: [1] }, 'tags'],
      ['content without title', { content: { description: 'x' } }, 'content.title'],
      ['unknown field', { colour: 'red' }, 'colour'],
      ['null priority', { priority: null }, 'priority'],
      ['null tags', { tags: null }, 'tags'],
    ])('edit: %s', async (_name, body, field) => {
      const ticket = await openTicket();
      const before = await eventCount();
      const res = await desk('PUT', `/ticket/${ticket._id}`, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await eventCount()).toBe(before);
    });
  });

  it('an edit body must be a JSON object', async () => {
    const ticket = await openTicket();
    for (const payload of ['null', '5', '"x"']) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `${COMPANY_1}/ticket/${ticket._id}`,
        headers: { ...staff, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
  });

  it('staff comment, then the full history in order: customer comment, staff comment, diff', async () => {
    const ticket = await openTicket();
    await call('POST', `${STOREFRONT}/ticket/${ticket._id}/history`, storefrontAuth('a', 'alice'), {
      type: 'comment',
      value: { text: 'Any news?', media: [] },
    });
    const reply = await desk('POST', `/ticket/${ticket._id}/history`, { type: 'comment', value: { text: 'On it', media: [] } });
    expect(reply.statusCode).toBe(201);
    expect(reply.json()).toMatchObject({ ticket_id: ticket.ticket_id, type: 'comment', created_by: { id: 'agent-7', user_type: 'staff' } });
    await desk('PUT', `/ticket/${ticket._id}`, { status: 'resolved' });
    const history = (await desk('GET', `/ticket/${ticket._id}/history`)).json();
    expect(history.items.map((h: { type: string; value: { text?: string } }) => h.value.text ?? h.type)).toEqual([
      'Any news?',
      'On it',
      'diff',
    ]);
    expect(history.page).toEqual({
      type: 'number',
      current: 1,
      size: 100,
      page_size: 100,
      item_total: 3,
      has_next: false,
      has_previous: false,
    });
    const second = (await desk('GET', `/ticket/${ticket._id}/history?page_no=2&page_size=2`)).json();
    expect(second.items.map((h: { type: string }) => h.type)).toEqual(['diff']);
    expect(second.page).toMatchObject({ current: 2, item_total: 3, has_next: false, has_previous: true });
  });

  it('feedback: an event on the ticket stream, listed with readable number, clears is_feedback_pending', async () => {
    const ticket = await openTicket();
    const resolved = (await desk('PUT', `/ticket/${ticket._id}`, { status: 'resolved' })).json();
    expect(resolved.is_feedback_pending).toBe(true);
    const res = await desk('POST', `/ticket/${ticket._id}/feedback`, {
      form_response: { overall_rating: 5, audio: 'clear', resolved: true },
    });
    expect(res.statusCode).toBe(201);
    const feedback = res.json();
    expect(feedback).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      ticket_id: ticket.ticket_id,
      company_id: '1',
      category: 'order-issue',
      response: [
        { key: 'overall_rating', display: 'Overall Rating', value: '5' },
        { key: 'audio', display: 'Audio', value: 'clear' },
        { key: 'resolved', display: 'Resolved', value: 'true' },
      ],
      user: { id: 'agent-7', user_type: 'staff' },
    });
    expect((await desk('GET', `/ticket/${ticket._id}/feedback`)).json()).toEqual({ items: [feedback] });
    expect((await t.store.readStream(`ticket-${ticket._id}`)).map((e) => e.type).slice(-1)).toEqual(['FeedbackSubmitted']);
    const after = (await desk('GET', `/ticket/${ticket._id}`)).json();
    expect(after.is_feedback_pending).toBe(false);
    expect(after.updated_at).toBe(resolved.updated_at);

    const before = await eventCount();
    for (const form_response of [{}, { a: { nested: 1 } }, 'text', { a: null }]) {
      const bad = await desk('POST', `/ticket/${ticket._id}/feedback`, { form_response });
      expect(bad.statusCode).toBe(400);
    }
    expect(await eventCount()).toBe(before);
  });

  it('creates a company-level ticket: platform_panel, company context, initial status set by staff', async () => {
    const res = await desk('POST', '/ticket', {
      category: 'internal',
      content: { title: 'Call back the customer' },
      status: 'in_progress',
      priority: 'medium',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      context: { company_id: '1' },
      source: 'platform_panel',
      status: { key: 'in_progress' },
      priority: { key: 'medium' },
      created_by: { id: 'agent-7', user_type: 'staff' },
    });
    expect(res.json().context.application_id).toBeUndefined();
  });

  it('serves the general config with built-in defaults', async () => {
    const res = await desk('GET', '/general-config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      allow_ticket_creation: true,
      show_listing: true,
      integration: { type: 'default' },
    });
  });

  it('documents the staff routes in OpenAPI, path parameters declared', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/service/platform/lead/v1.0/company/{company_id}/application/{application_id}/ticket/{id}'].put;
    expect(
      op.parameters
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['application_id', 'company_id', 'id']);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/service/platform/lead/v1.0/company/{company_id}/ticket/{id}/feedback',
        '/service/platform/lead/v1.0/company/{company_id}/general-config',
      ]),
    );
  });
});
