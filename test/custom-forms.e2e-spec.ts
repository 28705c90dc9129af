import { InjectOptions } from 'light-my-request';
import { StoreUnavailableError } from '../src/event-store/event-store.port';
import { FormQueries } from '../src/lead/forms/form.queries';
import { FormTicketReconciler } from '../src/lead/forms/form-ticket.reconciler';
import { XSS_PAYLOADS, unescapeHtml } from './support/form-fixtures';
import { APPS, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STAFF = (app: string = APPS.a.application_id, company = '1') => `/service/platform/lead/v1.0/company/${company}/application/${app}/form`;
const SHOP = '/service/application/lead/v1.0';

const CONTACT = {
  slug: 'contact',
  title: 'Contact us',
  priority: 'high',
  description: 'Tell us',
  success_message: 'Thanks!',
  should_notify: true,
  poll_for_assignment: { duration: 20, message: 'Looking', success_message: 'Found', failure_message: 'Busy' },
  available_assignees: ['agent-1', 'agent-2'],
  inputs: [
    { key: 'name', display: 'Name', type: 'text', required: true, placeholder: 'Your name' },
    { key: 'email', display: 'Email', type: 'email', regex: '^\\S+@\\S+$', showRegexInput: true, error_message: 'An email please' },
    { key: 'topic', display: 'Topic', type: 'dropdown', enum: [{ display: 'Orders', key: 'orders' }, { display: 'Other', key: 'other' }] },
  ],
};

describe('custom forms (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'staff-ann');
  });
  afterAll(async () => t.dispose());

  const inject = (method: InjectOptions['method'], url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers: { 'user-agent': 'jest-e2e', ...headers }, payload: payload as object });
  const createForm = (body: object, headers = staff) => inject('POST', STAFF(), headers, body);
  const submit = (slug: string, response: unknown, headers = storefrontAuth('a'), more: object = {}) =>
    inject('POST', `${SHOP}/form/${slug}/submit`, headers, { response, ...more });
  const eventCount = async () => (await t.store.readAll()).length;
  const problemFields = (res: { json(): { errors?: { field: string }[] } }) => res.json().errors?.map((e) => e.field);

  it('staff define a form; the storefront reads and submits it; the ticket and the log show the submission', async () => {
    const created = await createForm(CONTACT);
    expect(created.statusCode).toBe(201);
    const form = created.json();
    expect(form).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      application_id: APPS.a.application_id,
      slug: 'contact',
      title: 'Contact us',
      priority: { key: 'high', display: 'High', color: '#fe4a49' },
      login_required: false,
      should_notify: true,
      poll_for_assignment: CONTACT.poll_for_assignment,
      inputs: CONTACT.inputs,
      available_assignees: ['agent-1', 'agent-2'],
      created_by: 'staff-ann',
    });
    expect((await inject('GET', `${STAFF()}/contact`, staff)).json()).toEqual(form);
    expect((await inject('GET', `${SHOP}/form/contact`, storefrontAuth('a'))).json()).toEqual(form);

    const attachments = [{ type: 'image', value: 'https://cdn.example/1.png', display: 'photo' }];
    const res = await submit('contact', [{ key: 'name', value: 'Ann' }, { key: 'email', value: 'ann@example.com' }, { key: 'topic', value: 'orders' }], storefrontAuth('a', 'user-1'), { attachments });
    expect(res.statusCode).toBe(201);
    const { message, ticket, response } = res.json();
    expect(message).toBe('Thanks!');
    expect(response).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      application_id: APPS.a.application_id,
      form_slug: 'contact',
      ticket_id: ticket._id,
      response: [{ key: 'name', value: 'Ann' }, { key: 'email', value: 'ann@example.com' }, { key: 'topic', value: 'orders' }],
    });
    expect(ticket).toMatchObject({
      context: { company_id: '1', application_id: APPS.a.application_id },
      content: { title: 'Contact us Response', description: '<b>Name</b>: Ann<br><b>Email</b>: ann@example.com<br><b>Topic</b>: Orders<br>', attachments },
      category: { key: 'contact', display: 'Contact us', form },
      tags: ['contact'],
      priority: { key: 'high' },
      status: { key: 'in_progress' },
      source: 'sales_channel',
      response_id: response._id,
      assigned_to: { agent_id: 'agent-1' },
      created_by: { id: 'user-1' },
    });
    expect((await inject('GET', `${SHOP}/ticket/${ticket._id}`, storefrontAuth('a', 'user-1'))).json()).toEqual(ticket);

    const formLog = await t.store.readStream(`form-${APPS.a.application_id}-contact`);
    expect(formLog.map((e) => e.type)).toEqual(['FormCreated', 'FormSubmitted']);
    const [ticketCreated] = await t.store.readStream(`ticket-${ticket._id}`);
    expect(ticketCreated.data).toMatchObject({ response_id: response._id, assigned_to: { agent_id: 'agent-1' } });
    expect(ticketCreated.metadata.correlationId).toBe(formLog[1].metadata.correlationId);
  });

  it('two concurrent creates of one slug: exactly one wins, the other is 409', async () => {
    const results = await Promise.all([1, 2, 3].map((i) => createForm({ ...CONTACT, slug: 'race', title: `Race ${i}` })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json()).toMatchObject({ status: 409, type: 'urn:lead:problem:conflict' });
    expect((await t.store.readStream(`form-${APPS.a.application_id}-race`)).map((e) => e.type)).toEqual(['FormCreated']);
  });

  it('lists the forms of the application, paged', async () => {
    for (const slug of ['list-1', 'list-2']) await createForm({ ...CONTACT, slug });
    const all = (await inject('GET', STAFF(), staff)).json();
    expect(all.items.map((f: { slug: string }) => f.slug)).toEqual(expect.arrayContaining(['contact', 'race', 'list-1', 'list-2']));
    expect(all.page).toMatchObject({ type: 'number', current: 1, item_total: all.items.length, has_next: false });
    const page = (await inject('GET', `${STAFF()}?page_no=2&page_size=1`, staff)).json();
    expect(page.items).toHaveLength(1);
    expect(page.page).toMatchObject({ current: 2, size: 1, has_next: true, has_previous: true });
    expect((await inject('GET', STAFF(APPS.b.application_id), staff)).json().items).toEqual([]);
  });

  it('edit replaces the settings; login_required refuses anonymous submissions with 401', async () => {
    await createForm({ ...CONTACT, slug: 'members' });
    const { slug: _slug, ...settings } = CONTACT;
    const edited = await inject('PUT', `${STAFF()}/members`, staff, { ...settings, title: 'Members only', login_required: true, available_assignees: undefined });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ title: 'Members only', login_required: true, available_assignees: [] });
    const before = await eventCount();
    const anonymous = await submit('members', [{ key: 'name', value: 'Ann' }]);
    expect(anonymous.statusCode).toBe(401);
    expect(await eventCount()).toBe(before);
    const signedIn = await submit('members', [{ key: 'name', value: 'Ann' }], storefrontAuth('a', 'user-9'));
    expect(signedIn.statusCode).toBe(201);
    expect(signedIn.json().ticket).toMatchObject({ created_by: { id: 'user-9' }, status: { key: 'pending' } });
    expect(signedIn.json().ticket).not.toHaveProperty('assigned_to');
  });

  it('delete answers the form; a deleted slug is 404 everywhere and can be created again', async () => {
    const form = (await createForm({ ...CONTACT, slug: 'gone' })).json();
    const deleted = await inject('DELETE', `${STAFF()}/gone`, staff);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual(form);
    const before = await eventCount();
    expect((await inject('GET', `${STAFF()}/gone`, staff)).statusCode).toBe(404);
    expect((await inject('GET', `${SHOP}/form/gone`, storefrontAuth('a'))).statusCode).toBe(404);
    expect((await submit('gone', [{ key: 'name', value: 'Ann' }])).statusCode).toBe(404);
    expect((await inject('DELETE', `${STAFF()}/gone`, staff)).statusCode).toBe(404);
    expect((await inject('PUT', `${STAFF()}/gone`, staff, { title: 'x', priority: 'low', inputs: CONTACT.inputs })).statusCode).toBe(404);
    expect(await eventCount()).toBe(before);

    const again = await createForm({ ...CONTACT, slug: 'gone', title: 'Back' });
    expect(again.statusCode).toBe(201);
    expect(again.json()._id).not.toBe(form._id);
    const log = await t.store.readStream(`form-${APPS.a.application_id}-gone`);
    expect(log.map((e) => e.type)).toEqual(['FormCreated', 'FormDeleted', 'FormCreated']);
  });

  it('a form is seen only by its own application and company', async () => {
    expect((await inject('GET', `${SHOP}/form/contact`, storefrontAuth('b'))).statusCode).toBe(404);
    expect((await inject('GET', `${SHOP}/form/contact`, storefrontAuth('c'))).statusCode).toBe(404);
    expect((await submit('contact', [{ key: 'name', value: 'x' }], storefrontAuth('b'))).statusCode).toBe(404);
    const other = await staffAuth(t, 'two');
    expect((await inject('GET', `${STAFF()}/contact`, other)).statusCode).toBe(404);
    expect((await inject('GET', `${STAFF(APPS.c.application_id, '1')}/contact`, staff)).statusCode).toBe(404);
    expect((await inject('GET', `${SHOP}/form/NOT_A_SLUG!`, storefrontAuth('a'))).statusCode).toBe(404);
  });

  it('assigns round-robin over available_assignees', async () => {
    await createForm({ ...CONTACT, slug: 'rr', available_assignees: ['x1', 'x2', 'x3'] });
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await submit('rr', [{ key: 'name', value: `n${i}` }])).json().ticket.assigned_to.agent_id);
    expect(picks).toEqual(['x1', 'x2', 'x3', 'x1']);
  });

  it('hostile answers and labels come back escaped in the ticket description', async () => {
    const inputs = XSS_PAYLOADS.map((payload, i) => ({ key: `f${i}`, display: payload, type: 'textarea' }));
    expect((await createForm({ ...CONTACT, slug: 'xss', title: '<script>alert(1)</script>', inputs })).statusCode).toBe(201);
    const res = await submit('xss', XSS_PAYLOADS.map((payload, i) => ({ key: `f${i}`, value: payload })));
    expect(res.statusCode).toBe(201);
    const read = (await inject('GET', `${SHOP}/ticket/${res.json().ticket._id}`, storefrontAuth('a'))).json();
    const html: string = read.content.description;
    expect(html.replace(/<\/?b>|<br>/g, '')).not.toMatch(/[<>"']/);
    const lines = html.split('<br>').filter(Boolean);
    expect(lines.map((line) => unescapeHtml(line.replace(/^<b>(.*)<\/b>: /, '$1\n')))).toEqual(XSS_PAYLOADS.map((p) => `${p}\n${p}`));
  });

  describe('a definition is checked when saved: 400 naming the field, nothing appended', () => {
    const input = (more: object) => ({ key: 'k', display: 'K', type: 'text', ...more });
    it.each([
      ['an unknown type', { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', type: 'colour' })] }, 'inputs.2.type'],
      ['duplicate keys', { inputs: [input({}), input({})] }, 'inputs.1.key'],
      ['a choice without options', { inputs: [input({ type: 'radio', enum: [] })] }, 'inputs.0.enum'],
      ['an invalid regex', { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', regex: '(a', showRegexInput: true })] }, 'inputs.2.regex'],
      ['a catastrophic regex', { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', regex: '^(a|aa)+$', showRegexInput: true })] }, 'inputs.2.regex'],
      ['an unknown input property', { inputs: [input({ colour: 'red' })] }, 'inputs.0.colour'],
      ['no inputs', { inputs: [] }, 'inputs'],
      ['too many inputs', { inputs: Array.from({ length: 101 }, (_, i) => input({ key: `k${i}` })) }, 'inputs'],
      ['a long value', { inputs: [input({ display: 'x'.repeat(201) })] }, 'inputs.0.display'],
      ['a bad slug', { slug: 'Not A Slug' }, 'slug'],
      ['a missing title', { title: undefined }, 'title'],
      ['an unknown priority', { priority: 'asap' }, 'priority'],
      ['login_required on create', { login_required: true }, 'login_required'],
      ['a script header image', { header_image: 'javascript:alert(1)' }, 'header_image'],
    ])('%s', async (_name, change, field) => {
      const before = await eventCount();
      const res = await createForm({ ...CONTACT, slug: 'checked', ...change });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(problemFields(res)).toContain(field);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('a submission is checked against the form: 400 naming the field, nothing stored', () => {
    beforeAll(async () => {
      const options = [{ display: 'A', key: 'a' }, { display: 'B', key: 'b' }];
      const inputs = [
        { key: 'name', display: 'Name', type: 'text', required: true, regex: '^[A-Za-z ]+$', showRegexInput: true },
        { key: 'n', display: 'N', type: 'number' },
        { key: 'mail', display: 'Mail', type: 'email' },
        { key: 'day', display: 'Day', type: 'date' },
        { key: 'phone', display: 'Phone', type: 'mobile' },
        { key: 'pick', display: 'Pick', type: 'radio', enum: options },
        { key: 'many', display: 'Many', type: 'checkbox', enum: options },
      ];
      expect((await createForm({ ...CONTACT, slug: 'strict', inputs, available_assignees: [] })).statusCode).toBe(201);
    });
    const ok = { key: 'name', value: 'Ann' };
    it.each([
      ['an unknown key', [ok, { key: 'nope', value: 1 }], 'response.1.key'],
      ['a missing required value', [{ key: 'n', value: 1 }], 'response.name'],
      ['a regex mismatch', [{ key: 'name', value: 'Ann 2' }], 'response.name'],
      ['a wrong number', [ok, { key: 'n', value: 'many' }], 'response.n'],
      ['a wrong email', [ok, { key: 'mail', value: 'ann' }], 'response.mail'],
      ['a wrong date', [ok, { key: 'day', value: 'tomorrow' }], 'response.day'],
      ['a wrong mobile', [ok, { key: 'phone', value: { code: '91' } }], 'response.phone'],
      ['an option not offered', [ok, { key: 'pick', value: 'c' }], 'response.pick'],
      ['a checkbox that is not a list of options', [ok, { key: 'many', value: ['a', 'z'] }], 'response.many'],
      ['an oversized value', [ok, { key: 'n', value: 'x'.repeat(20_000) }], 'response.1.value'],
      ['an item without key', [ok, { value: 'x' }], 'response.1.key'],
      ['a response that is not a list', 'name=Ann', 'response'],
    ])('%s', async (_name, response, field) => {
      const before = await eventCount();
      const res = await submit('strict', response);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(problemFields(res)).toContain(field);
      expect(await eventCount()).toBe(before);
    });

    it('accepts every field type at once', async () => {
      const res = await submit('strict', [
        ok, { key: 'n', value: '7' }, { key: 'mail', value: 'a@b.co' }, { key: 'day', value: '2026-03-01' },
        { key: 'phone', value: { code: '+44', number: '7700900123' } }, { key: 'pick', value: 'b' }, { key: 'many', value: ['a', 'b'] },
      ]);
      expect(res.statusCode).toBe(201);
      expect(res.json().ticket.content.description).toBe(
        '<b>Name</b>: Ann<br><b>N</b>: 7<br><b>Mail</b>: a@b.co<br><b>Day</b>: 2026-03-01<br><b>Phone</b>: +44 7700900123<br><b>Pick</b>: B<br><b>Many</b>: A, B<br>',
      );
    });
  });

  it('when the ticket cannot be opened after the submission is stored, the reconciler opens the same ticket', async () => {
    await createForm({ ...CONTACT, slug: 'crash' });
    const append = t.store.append.bind(t.store);
    const spy = jest.spyOn(t.store, 'append').mockImplementation(async (stream, events, options) => {
      if (stream.startsWith('ticket-')) throw new StoreUnavailableError('the disk went away');
      return append(stream, events, options);
    });
    const res = await submit('crash', [{ key: 'name', value: 'Ann' }]);
    spy.mockRestore();
    expect(res.statusCode).toBe(201);
    const { ticket, response, message } = res.json();
    expect(ticket).toBeUndefined();
    expect(message).toMatch(/will be opened shortly/);
    // Stored and visible as pending in the read model; no ticket yet.
    expect(t.app.get(FormQueries).findResponse(response._id)).toMatchObject({ ticket_id: response.ticket_id, ticket_opened: false });
    expect((await inject('GET', `${SHOP}/ticket/${response.ticket_id}`, storefrontAuth('a'))).statusCode).toBe(404);

    const reconciler = t.app.get(FormTicketReconciler);
    expect(await reconciler.runOnce(60_000)).toBe(0); // still within its grace period
    expect(await reconciler.runOnce(0)).toBe(1);
    const opened = await inject('GET', `${SHOP}/ticket/${response.ticket_id}`, storefrontAuth('a'));
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({ response_id: response._id, content: { title: 'Contact us Response', description: '<b>Name</b>: Ann<br><b>Email</b>: <br><b>Topic</b>: <br>' }, assigned_to: { agent_id: 'agent-1' } });
    const log = await t.store.readStream(`ticket-${response.ticket_id}`);
    expect(log).toHaveLength(1);
    expect(log[0].metadata.actor).toEqual({ type: 'system', id: 'form-ticket-reconciler' });
    expect(t.app.get(FormQueries).findResponse(response._id)?.ticket_opened).toBe(true);
    expect(await reconciler.runOnce(0)).toBe(0);
  });
});
