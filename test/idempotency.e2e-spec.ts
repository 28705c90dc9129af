import { APPS, TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const SHOP = '/service/application/lead/v1.0';
const FORM = {
  slug: 'callback',
  title: 'Call me back',
  priority: 'low',
  inputs: [{ key: 'name', display: 'Name', type: 'text', required: true }],
};

describe('Idempotency-Key (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const staff = await staffAuth(t, 'one');
    const res = await t.app.inject({
      method: 'POST',
      url: `/service/platform/lead/v1.0/company/1/application/${APPS.a.application_id}/form`,
      headers: staff,
      payload: FORM,
    });
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => t.dispose());

  const submit = (key: string | undefined, name: string, app: 'a' | 'b' = 'a', user?: string) =>
    t.app.inject({
      method: 'POST',
      url: `${SHOP}/form/callback/submit`,
      headers: { ...storefrontAuth(app, user), ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      payload: { response: [{ key: 'name', value: name }] },
    });
  const submissions = async () =>
    (await t.store.readStream(`form-${APPS.a.application_id}-callback`)).filter((e) => e.type === 'FormSubmitted').length;
  const tickets = async () => (await t.store.readAll()).filter((e) => e.type === 'TicketCreated').length;

  it('a retry with the same key answers the first response again and opens one ticket', async () => {
    const [before, ticketsBefore] = [await submissions(), await tickets()];
    const first = await submit('retry-1', 'Ann');
    const again = await submit('"retry-1"', 'Ann'); // the draft's structured-field spelling is the same key
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await submissions()).toBe(before + 1);
    expect(await tickets()).toBe(ticketsBefore + 1);
  });

  it('the same key with another body, or another user, is 422 problem details; nothing is stored', async () => {
    await submit('reuse', 'Ann');
    const before = await submissions();
    for (const res of [await submit('reuse', 'Bob'), await submit('reuse', 'Ann', 'a', 'user-2')]) {
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 422, detail: expect.stringContaining('Idempotency-Key') });
    }
    expect(await submissions()).toBe(before);
  });

  it('concurrent requests with one key: one runs, the others get 409 or its answer; one ticket', async () => {
    const [before, ticketsBefore] = [await submissions(), await tickets()];
    const results = await Promise.all(Array.from({ length: 5 }, () => submit('burst', 'Ann')));
    const ok = results.filter((r) => r.statusCode === 201);
    const busy = results.filter((r) => r.statusCode === 409);
    expect(ok.length + busy.length).toBe(5);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body)).size).toBe(1);
    for (const r of busy) expect(r.headers['retry-after']).toBe('1');
    expect(await submissions()).toBe(before + 1);
    expect(await tickets()).toBe(ticketsBefore + 1);
    // Once the first has answered, a retry gets that answer.
    expect((await submit('burst', 'Ann')).body).toBe(ok[0].body);
  });

  it('a refused request frees its key: the corrected request runs', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/form/callback/submit`,
      headers: { ...storefrontAuth('a'), 'idempotency-key': 'fix-me' },
      payload: { response: [] },
    });
    expect(bad.statusCode).toBe(400);
    const fixed = await submit('fix-me', 'Ann');
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keys are scoped by application: the same key elsewhere is another request', async () => {
    const a = await submit('shared-key', 'Ann');
    const b = await submit('shared-key', 'Ann', 'b');
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(404); // app b has no such form: it ran, and was not a replay of app a's answer
  });

  it('refuses a malformed key with 400', async () => {
    for (const key of ['x'.repeat(256), 'has space', '']) {
      const res = await submit(key, 'Ann');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    }
  });

  it('works on storefront ticket create too', async () => {
    const create = () =>
      t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/`,
        headers: { ...storefrontAuth('a'), 'idempotency-key': 'ticket-1' },
        payload: { category: 'orders', content: { title: 'Late' } },
      });
    const before = await tickets();
    const [first, again] = [await create(), await create()];
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(await tickets()).toBe(before + 1);
  });

  it('keeps keys across a restart (they are stored in the SQLite file)', async () => {
    const first = await submit('durable', 'Ann');
    await t.close();
    t = await startTestApp({}, t.dir);
    const again = await submit('durable', 'Ann');
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
  });
});
