import { InjectOptions } from 'light-my-request';
import { AppendTooLargeError, StoreUnavailableError } from '../src/platform/event-store/event-store.port';
import { Metrics } from '../src/platform/ops/metrics';
import { FormQueries } from '../src/modules/forms/form.queries';
import { FormTicketReconciler } from '../src/modules/forms/form-ticket.reconciler';
import { XSS_PAYLOADS, unescapeHtml } from './support/form-fixtures';
import { CONTACT, SHOP, STAFF_FORMS as STAFF } from './support/form-routes';
import { APPS, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

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
    const res = await submit(
      'contact',
      [
        { key: 'name', value: 'Ann' },
        { key: 'email', value: 'ann@example.com' },
        { key: 'topic', value: 'orders' },
      ],
      storefrontAuth('a', 'user-1'),
      { attachments },
    );
    expect(res.statusCode).toBe(201);
    const { message, ticket, response } = res.json();
    expect(message).toBe('Thanks!');
    expect(response).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      application_id: APPS.a.application_id,
      form_slug: 'contact',
      ticket_id: ticket._id,
      response: [
        { key: 'name', value: 'Ann' },
        { key: 'email', value: 'ann@example.com' },
        { key: 'topic', value: 'orders' },
      ],
    });
    expect(ticket).toMatchObject({
      context: { company_id: '1', application_id: APPS.a.application_id },
      content: {
        title: 'Contact us Response',
        description: '<b>Name</b>: Ann<br><b>Email</b>: ann@example.com<br><b>Topic</b>: Orders<br>',
        attachments,
      },
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
    const edited = await inject('PUT', `${STAFF()}/members`, staff, {
      ...settings,
      title: 'Members only',
      login_required: true,
      available_assignees: undefined,
    });
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
    const res = await submit(
      'xss',
      XSS_PAYLOADS.map((payload, i) => ({ key: `f${i}`, value: payload })),
    );
    expect(res.statusCode).toBe(201);
    const read = (
      await inject('GET', `${SHOP}/ticket/${res.json().ticket._id}`, {
        ...storefrontAuth('a'),
        'x-ticket-access-key': res.json().access_key,
      })
    ).json();
    const html: string = read.content.description;
    expect(html.replace(/<\/?b>|<br>/g, '')).not.toMatch(/[<>"']/);
    const lines = html.split('<br>').filter(Boolean);
    expect(lines.map((line) => unescapeHtml(line.replace(/^<b>(.*)<\/b>: /, '$1\n')))).toEqual(XSS_PAYLOADS.map((p) => `${p}\n${p}`));
  });

  it('when the ticket cannot be opened after the submission is stored, the reconciler opens the same ticket', async () => {
    await createForm({ ...CONTACT, slug: 'crash' });
    const append = t.store.append.bind(t.store);
    const spy = jest.spyOn(t.store, 'append').mockImplementation(async (stream, events, options) => {
      if (stream.startsWith('ticket-')) throw new StoreUnavailableError('the disk went away');
      return append(stream, events, options);
    });
    // A new ticket takes its number in a numbered append, where the store has one (the embedded stores).
    const numbered =
      t.store.appendNumbered && jest.spyOn(t.store, 'appendNumbered').mockRejectedValue(new StoreUnavailableError('the disk went away'));
    const res = await submit('crash', [{ key: 'name', value: 'Ann' }]);
    spy.mockRestore();
    if (numbered) numbered.mockRestore();
    expect(res.statusCode).toBe(201);
    const { ticket, response, message, access_key } = res.json();
    expect(ticket).toBeUndefined();
    // The anonymous submitter has its ticket's key even though the ticket is opened later.
    const opener = { ...storefrontAuth('a'), 'x-ticket-access-key': access_key };
    expect(message).toMatch(/will be opened shortly/);
    // Stored and visible as pending in the read model; no ticket yet.
    expect(t.app.get(FormQueries).findResponse(response._id)).toMatchObject({ ticket_id: response.ticket_id, ticket_opened: false });
    expect((await inject('GET', `${SHOP}/ticket/${response.ticket_id}`, opener)).statusCode).toBe(404);

    const reconciler = t.app.get(FormTicketReconciler);
    expect(await reconciler.runOnce(60_000)).toBe(0); // still within its grace period
    expect(await reconciler.runOnce(0)).toBe(1);
    expect((await inject('GET', `${SHOP}/ticket/${response.ticket_id}`, storefrontAuth('a'))).statusCode).toBe(404);
    const opened = await inject('GET', `${SHOP}/ticket/${response.ticket_id}`, opener);
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({
      response_id: response._id,
      content: { title: 'Contact us Response', description: '<b>Name</b>: Ann<br><b>Email</b>: <br><b>Topic</b>: <br>' },
      assigned_to: { agent_id: 'agent-1' },
    });
    const log = await t.store.readStream(`ticket-${response.ticket_id}`);
    expect(log).toHaveLength(1);
    expect(log[0].metadata.actor).toEqual({ type: 'system', id: 'form-ticket-reconciler' });
    // The reconciler's ticket takes its number as every create does: recorded in its TicketCreated.
    expect(log[0].data.ticket_id).toBe(opened.json().ticket_id);
    expect(t.app.get(FormQueries).findResponse(response._id)?.ticket_opened).toBe(true);
    expect(await reconciler.runOnce(0)).toBe(0);
  });

  it("a submission whose ticket would exceed the store's append limit is 413 before anything is stored", async () => {
    // 60 long-answer fields of 5,000 '"' each: a 600 KB request (under the body limit) and a 600 KB FormSubmitted,
    // but a 1.8 MB ticket once HTML-escaped ('&quot;'), over the store's 1 MiB per append. Without the check the
    // answer would be 201 "its ticket will be opened shortly", and the ticket would never open.
    const inputs = Array.from({ length: 60 }, (_, i) => ({ key: `q${i}`, display: `Q${i}`, type: 'textarea' }));
    expect((await createForm({ ...CONTACT, slug: 'huge', inputs })).statusCode).toBe(201);
    const before = await eventCount();
    const res = await submit(
      'huge',
      inputs.map((input) => ({ key: input.key, value: '"'.repeat(5000) })),
    );
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 413, type: 'urn:lead:problem:too-large-for-store', max_append_bytes: 1_048_576 });
    expect(await eventCount()).toBe(before);
    expect((await t.store.readStream(`form-${APPS.a.application_id}-huge`)).map((e) => e.type)).toEqual(['FormCreated']);
    // The same answers as plain text fit, and open their ticket.
    const ok = await submit(
      'huge',
      inputs.map((input) => ({ key: input.key, value: 'a'.repeat(5000) })),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json().ticket).toBeDefined();
  });

  it('the reconciler parks a response whose ticket cannot be written: counted, logged, not retried', async () => {
    await createForm({ ...CONTACT, slug: 'parked' });
    const append = t.store.append.bind(t.store);
    let ticketAppends = 0;
    const spy = jest.spyOn(t.store, 'append').mockImplementation(async (stream, events, options) => {
      if (stream.startsWith('ticket-')) {
        ticketAppends++;
        throw new AppendTooLargeError(stream, 2_000_000, 1_048_576);
      }
      return append(stream, events, options);
    });
    // A ticket's create is a numbered append (its number is decided in the append) where the store has them.
    const appendNumbered = t.store.appendNumbered?.bind(t.store);
    const numberedSpy = appendNumbered
      ? jest.spyOn(t.store, 'appendNumbered').mockImplementation(async (stream, claim, options) => {
          if (stream.startsWith('ticket-')) {
            ticketAppends++;
            throw new AppendTooLargeError(stream, 2_000_000, 1_048_576);
          }
          return appendNumbered(stream, claim, options);
        })
      : undefined;
    try {
      const res = await submit('parked', [{ key: 'name', value: 'Ann' }]);
      expect(res.statusCode).toBe(201);
      const { response } = res.json();
      const reconciler = t.app.get(FormTicketReconciler);
      const metrics = t.app.get(Metrics);
      const parkedBefore = (await metrics.formTicketsParked.get()).values[0]?.value ?? 0;
      const tried = ticketAppends;
      expect(await reconciler.runOnce(0)).toBe(0);
      expect(ticketAppends).toBe(tried + 1);
      expect(reconciler.parkedResponses()).toContain(response._id);
      expect((await metrics.formTicketsParked.get()).values[0].value).toBe(parkedBefore + 1);
      // Later runs leave it alone.
      expect(await reconciler.runOnce(0)).toBe(0);
      expect(ticketAppends).toBe(tried + 1);
    } finally {
      spy.mockRestore();
      numberedSpy?.mockRestore();
    }
  });
});
