import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { consumer } from '../clients/typescript/examples/consumer';
import {
  ChangeFeedItem,
  LeadApiError,
  changeFeed,
  createLeadClient,
  etagOf,
  idempotencyKey,
  ifMatch,
  staffAuth,
  storefrontAuth,
  unwrap,
} from '../clients/typescript/src';
import { APPS, STAFF, TestApp, startTestApp } from './support/test-app';

/** The generated client against the real service over HTTP (a random port), as another service calls it. */
describe('typed client (clients/typescript) against the running service', () => {
  let t: TestApp;
  let baseUrl: string;
  const shop = { applicationId: APPS.a.application_id, applicationToken: APPS.a.token };
  const desk = { companyId: STAFF.one.company_id, clientId: STAFF.one.client_id, clientSecret: STAFF.one.secret };

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
  });
  afterAll(() => t.dispose());

  it('runs the sample consumer: a ticket, a comment, its history via staff, the change feed page by page', async () => {
    const { ticket, history, events } = await consumer(baseUrl, shop, desk);

    expect(ticket).toMatchObject({ content: { title: 'Where is my order?' }, status: { key: 'pending' }, created_by: { id: 'alice' } });
    expect(history.items.map((h) => [h.type, h.value.text, h.created_by.id])).toEqual([['comment', 'Any news?', 'alice']]);
    // limit 1: every event came on its own page, so the iterator followed the cursor to the end.
    expect(events).toEqual([`TicketCreated ticket-${ticket._id}`, `HistoryAppended ticket-${ticket._id}`]);
  });

  it('every answer the consumer got matches the schema the client was generated from', async () => {
    const document = (await (await fetch(`${baseUrl}/docs/json`)).json()) as OpenApiDocument;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'lead', components: document.components });
    const answers = await recordingFetch(() => consumer(baseUrl, shop, desk));

    // Create, comment, the staff token, history, then the feed pages (one event each: at least this run's two).
    expect(answers.slice(0, 4).map((a) => `${a.method} ${a.status} ${a.url.pathname.split('/')[2]}`)).toEqual([
      'post 201 application',
      'post 201 application',
      'post 200 panel',
      'get 200 platform',
    ]);
    expect(answers.slice(4).filter((a) => a.url.pathname.endsWith('/events')).length).toBeGreaterThanOrEqual(2);
    for (const answer of answers) {
      const schema = declaredSchema(document, answer.method, answer.url.pathname, answer.status);
      expect([answer.method, answer.url.pathname, answer.status, schema ? 'declared' : 'undeclared']).toEqual([
        answer.method,
        answer.url.pathname,
        answer.status,
        'declared',
      ]);
      const validate = ajv.compile(schema!);
      expect([answer.url.pathname, validate(answer.body) ? [] : validate.errors]).toEqual([answer.url.pathname, []]);
    }
  });

  it('Idempotency-Key: a retry with the same key answers the first ticket and stores one', async () => {
    const client = createLeadClient({ baseUrl, auth: storefrontAuth({ ...shop, user: 'bob' }) });
    const key = idempotencyKey();
    const send = () =>
      unwrap(
        client.POST('/service/application/lead/v1.0/ticket', {
          params: { header: key },
          body: { category: 'general', content: { title: 'Twice?' } },
        }),
      );
    const [first, retry] = [await send(), await send()];
    expect(retry._id).toBe(first._id);
    const events = await t.store.readStream(`ticket-${first._id}`);
    expect(events.map((e) => e.type)).toEqual(['TicketCreated']);
  });

  it('If-Match from etagOf: the current ETag edits, a stale one is a 412 problem and changes nothing', async () => {
    const staff = createLeadClient({ baseUrl, auth: staffAuth({ baseUrl, ...desk, user: 'agent-7' }) });
    const path = { company_id: desk.companyId, id: '' };
    const created = await unwrap(
      staff.POST('/service/platform/lead/v1.0/company/{company_id}/ticket', {
        params: { path, header: idempotencyKey() },
        body: { category: 'general', content: { title: 'Edit me' } },
      }),
    );
    path.id = created._id;
    const read = await staff.GET('/service/platform/lead/v1.0/company/{company_id}/ticket/{id}', { params: { path } });
    const etag = etagOf(read.response)!;

    const edited = await staff.PUT('/service/platform/lead/v1.0/company/{company_id}/ticket/{id}', {
      params: { path, header: ifMatch(etag) },
      body: { status: 'in_progress' },
    });
    expect(edited.data?.status.key).toBe('in_progress');
    const stale = staff.PUT('/service/platform/lead/v1.0/company/{company_id}/ticket/{id}', {
      params: { path, header: ifMatch(etag) },
      body: { priority: 'high' },
    });
    await expect(unwrap(stale)).rejects.toMatchObject({ status: 412, problem: { status: 412, current_etag: etagOf(edited.response) } });
    await expect(unwrap(stale)).rejects.toBeInstanceOf(LeadApiError);
    expect(
      (await unwrap(staff.GET('/service/platform/lead/v1.0/company/{company_id}/ticket/{id}', { params: { path } }))).priority.key,
    ).toBe('low');
  });

  it('changeFeed resumes strictly after the position of the last item handled', async () => {
    const staff = createLeadClient({ baseUrl, auth: staffAuth({ baseUrl, ...desk }) });
    const all: ChangeFeedItem[] = [];
    for await (const event of changeFeed(staff, { companyId: desk.companyId, limit: 3 })) all.push(event);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const resumed: string[] = [];
    for await (const event of changeFeed(staff, { companyId: desk.companyId, after: all[1].position })) resumed.push(event.id);
    expect(resumed).toEqual(all.slice(2).map((e) => e.id));
  });

  it('a wrong staff secret is an error from the token endpoint, not a request without credentials', async () => {
    const staff = createLeadClient({ baseUrl, auth: staffAuth({ baseUrl, ...desk, clientSecret: 'wrong-secret-0123456789' }) });
    await expect(
      staff.GET('/service/platform/lead/v1.0/company/{company_id}/events', { params: { path: { company_id: desk.companyId } } }),
    ).rejects.toThrow(/token endpoint answered 401/);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by hand
type OpenApiDocument = { paths: Record<string, Record<string, any>>; components: object };

interface Answer {
  method: string;
  url: URL;
  status: number;
  body: unknown;
}

/** Runs `work` with a global fetch that records every JSON answer (the clients are created inside `work`). */
async function recordingFetch(work: () => Promise<unknown>): Promise<Answer[]> {
  const original = globalThis.fetch;
  const answers: Answer[] = [];
  globalThis.fetch = async (...[input, init]: Parameters<typeof fetch>) => {
    const request = new Request(input, init);
    const response = await original(request);
    if (response.headers.get('content-type')?.includes('json')) {
      answers.push({
        method: request.method.toLowerCase(),
        url: new URL(request.url),
        status: response.status,
        body: await response.clone().json(),
      });
    }
    return response;
  };
  try {
    await work();
  } finally {
    globalThis.fetch = original;
  }
  return answers;
}

/** The schema the document declares for an answer: the operation whose path template matches, by status. */
function declaredSchema(document: OpenApiDocument, method: string, pathname: string, status: number): object | undefined {
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
    if (!pattern.test(pathname) || !item[method]) continue;
    const response = item[method].responses[String(status)] ?? item[method].responses.default;
    const content = response?.content?.['application/json'] ?? response?.content?.['application/problem+json'];
    // Component refs resolve in the document's components, registered in ajv as `lead`.
    return content?.schema?.$ref ? { $ref: `lead${content.schema.$ref}` } : content?.schema;
  }
  return undefined;
}
