import { API_CSP, DOCS_CSP } from '../../src/platform/http/security-headers';
import { TestApp, startTestApp, storefrontAuth } from '../support/test-app';
import { CONTACT_FORM, SHOP, World, application, company, seedWorld } from '../support/world';

/** Known XSS payloads, plain and encoded, and markup that must survive. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle/></svg>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt&colon;alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href=" java\tscript:alert(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<b onmouseover="alert(1)" style="x:expression(alert(1))">bold</b>',
  '<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '"><scr<script>ipt>alert(1)</script>',
  '<form action="https://evil.example"><input name=x><button>go</button></form>',
  '<div style="background:url(javascript:alert(1))">x</div><meta http-equiv="refresh" content="0;url=https://evil.example">',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '<p>Hello <b>bold</b> <a href="https://shop.example/order/1">order</a> <code>x</code></p>',
];

/** What a rich-text field may hold: only allow-listed tags; `a` with nothing but an http(s)/mailto href. */
function expectInert(html: unknown): void {
  expect(typeof html).toBe('string');
  for (const tag of (html as string).match(/<[^>]*>?/g) ?? []) {
    const allowed = /^<\/?(b|i|u|em|strong|p|ul|ol|li|code|pre|blockquote|a)>$|^<br ?\/?>$|^<a href="(https?:\/\/|mailto:)[^"<>]*">$/i.test(
      tag,
    );
    expect([html, tag, allowed]).toEqual([html, tag, true]);
  }
}

describe('the HTML rule: rich-text fields cleaned on write, every other string as sent (end to end)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await seedWorld(t);
  });
  afterAll(async () => t.dispose());

  const send = async (method: 'POST' | 'PUT', url: string, headers: Record<string, string>, payload: object) => {
    const res = await t.app.inject({ method, url, headers, payload });
    expect([url, res.statusCode]).toEqual([url, method === 'POST' ? 201 : 200]);
    return res.json();
  };
  const get = async (url: string, headers: Record<string, string>) => (await t.app.inject({ method: 'GET', url, headers })).json();

  it.each(PAYLOADS.map((p, i) => [i, p]))('payload %i through tickets, comments and edits', async (_i, payload) => {
    const shop = storefrontAuth('a', 'u1');
    const created = await send('POST', `${SHOP}/ticket/`, shop, {
      category: payload.slice(0, 100),
      content: { title: payload, description: payload, attachments: [{ display: payload, value: payload, type: 'file' }] },
      additional_info: [{ display_name: payload, display_value: payload }],
      _custom_json: { note: payload },
      created_by: { name: payload },
    });
    const stored = await get(`${SHOP}/ticket/${created._id}`, shop);
    for (const doc of [created, stored]) {
      expectInert(doc.content.description);
      expect([doc.content.title, doc.content.attachments[0].display, doc.content.attachments[0].value]).toEqual([
        payload,
        payload,
        payload,
      ]);
      expect([doc.category.key, doc.additional_info[0], doc._custom_json.note, doc.created_by.name]).toEqual([
        payload.slice(0, 100),
        { display_name: payload, display_value: payload },
        payload,
        payload,
      ]);
    }
    const staffTicket = await send('POST', `${company('1')}/ticket`, w.staff.one, {
      category: 'x',
      content: { title: payload, description: payload },
    });
    expectInert(staffTicket.content.description);
    expect(staffTicket.content.title).toBe(payload);

    for (const [url, headers] of [
      [`${SHOP}/ticket/${created._id}/history`, shop],
      [`${company('1')}/ticket/${created._id}/history`, w.staff.one],
    ] as const) {
      const entry = await send('POST', url, headers, { type: 'comment', value: { text: payload, note: payload, media: [] } });
      expectInert(entry.value.text);
      expect(entry.value.note).toBe(payload);
    }
    const edited = await send('PUT', `${company('1')}/ticket/${created._id}`, w.staff.one, {
      content: { title: `${payload}!`, description: `${payload}!` },
      sub_category: payload.slice(0, 100),
      tags: [payload.slice(0, 50)],
      assigned_to: { agent_id: payload.slice(0, 128) },
    });
    expectInert(edited.content.description);
    expect([edited.content.title, edited.sub_category, edited.tags, edited.assigned_to.agent_id]).toEqual([
      `${payload}!`,
      payload.slice(0, 100),
      [payload.slice(0, 50)],
      payload.slice(0, 128),
    ]);
    const history = await get(`${company('1')}/ticket/${created._id}/history`, w.staff.one);
    for (const item of history.items) if (item.type === 'comment') expectInert(item.value.text);
    const feedback = await send('POST', `${company('1')}/ticket/${created._id}/feedback`, w.staff.one, {
      form_response: { comment: payload },
    });
    expect(feedback.response[0].value).toBe(payload);
  });

  it.each(PAYLOADS.map((p, i) => [i, p]))('payload %i through forms and submissions', async (i, payload) => {
    const slug = `xss-${i}`;
    const form = {
      ...CONTACT_FORM,
      slug,
      title: payload.slice(0, 200),
      description: payload,
      success_message: payload.slice(0, 500),
      inputs: [{ key: 'name', display: payload.slice(0, 200), type: 'text', placeholder: payload.slice(0, 200) }],
    };
    const created = await send('POST', `${application('a')}/form`, w.staff.one, form);
    for (const doc of [created, await get(`${SHOP}/form/${slug}`, storefrontAuth('a'))]) {
      expectInert(doc.description);
      expectInert(doc.success_message);
      expect([doc.title, doc.inputs[0].display, doc.inputs[0].placeholder]).toEqual([
        form.title,
        form.inputs[0].display,
        form.inputs[0].placeholder,
      ]);
    }
    const submitted = await send('POST', `${SHOP}/form/${slug}/submit`, storefrontAuth('a', 'u1'), {
      response: [{ key: 'name', value: payload }],
    });
    expectInert(submitted.message);
    expectInert(submitted.ticket.content.description); // built from escaped labels and answers
    expect(submitted.response.response[0].value).toBe(payload);
  });

  it('every API response says nosniff and forbids rendering; the docs page has its own policy', async () => {
    const requests = [
      { method: 'GET', url: `${SHOP}/ticket/${w.tickets.a1}`, headers: storefrontAuth('a', 'u1') },
      { method: 'POST', url: `${SHOP}/ticket/`, headers: storefrontAuth('a'), payload: {} },
      { method: 'GET', url: `${SHOP}/ticket/${'x'.repeat(200)}`, headers: storefrontAuth('a') },
      { method: 'GET', url: '/no/such/route' },
      { method: 'GET', url: '/docs/json' },
    ] as const;
    for (const request of requests) {
      const res = await t.app.inject(request);
      expect([request.url, res.headers['x-content-type-options'], res.headers['content-security-policy']]).toEqual([
        request.url,
        'nosniff',
        API_CSP,
      ]);
    }
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([docs.headers['content-type'], docs.headers['content-security-policy']]).toEqual([
      expect.stringContaining('text/html'),
      DOCS_CSP,
    ]);
  });
});
