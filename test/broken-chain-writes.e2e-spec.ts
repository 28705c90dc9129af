import { TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';

/** Issue 10, point 8g: a write never extends a stream whose hash chain is broken at its end. */
describe('writes to a stream with a broken hash chain (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());

  const metric = async (name: string) => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };

  it('answers 503 (stream-integrity), writes nothing and counts it, while other tickets stay writable', async () => {
    const alice = storefrontAuth('a', 'alice');
    const open = async () =>
      (
        await t.app.inject({
          method: 'POST',
          url: `${STOREFRONT}/ticket/`,
          headers: alice,
          payload: { category: 'order-issue', content: { title: 'Where?' } },
        })
      ).json()._id as string;
    const broken = await open();
    const sound = await open();
    // A row written around the command path (as with SQL on the database): it carries no chain hash.
    await t.store.append(`ticket-${broken}`, [{ type: 'TicketTagsChanged', data: { tags: ['forged'] } }], { expectedRevision: 0n });
    const before = await metric('lead_writes_refused_broken_chain_total');

    const comment = (id: string) =>
      t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/${id}/history`,
        headers: alice,
        payload: { type: 'comment', value: { text: 'Any news?' } },
      });
    const refused = await comment(broken);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ type: 'urn:lead:problem:stream-integrity', status: 503, broken_at_revision: 1 });
    const staff = await staffAuth(t, 'one', 'agent-7');
    expect(
      (await t.app.inject({ method: 'PUT', url: `${COMPANY_1}/ticket/${broken}`, headers: staff, payload: { priority: 'high' } }))
        .statusCode,
    ).toBe(503);

    expect(await t.store.readStream(`ticket-${broken}`)).toHaveLength(2);
    expect(await metric('lead_writes_refused_broken_chain_total')).toBe(before + 2);
    expect((await comment(sound)).statusCode).toBe(201);
  });
});
