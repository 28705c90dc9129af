import { APPS, AppKey, StaffKey, TestApp, staffAuth, storefrontAuth } from './test-app';

export const SHOP = '/service/application/lead/v1.0';
export const PLATFORM = '/service/platform/lead/v1.0';
export const company = (c: string) => `${PLATFORM}/company/${c}`;
export const application = (app: AppKey) => `${company(APPS[app].company_id)}/application/${APPS[app].application_id}`;

export const CONTACT_FORM = {
  slug: 'contact',
  title: 'Contact us',
  priority: 'low',
  inputs: [{ key: 'name', display: 'Name', type: 'text', required: true }],
};

/**
 * A small, known data set for the route-wide suites (authorization, fuzzing, idempotency): tickets of every
 * application and of both companies' staff, a form per company (`contact` in application a, `support` in c),
 * an open video room per company (tickets a1, c1). Ticket `a1` belongs to storefront user u1 of application a.
 */
export interface World {
  readonly staff: Record<StaffKey, Record<string, string>>;
  readonly tickets: { a1: string; a2: string; b1: string; c1: string; staff1: string; staff2: string };
}

export async function seedWorld(t: TestApp): Promise<World> {
  const staff = {
    one: await staffAuth(t, 'one', 'agent-1'),
    two: await staffAuth(t, 'two', 'agent-2'),
    three: await staffAuth(t, 'three', 'agent-3'),
  };
  const post = async (url: string, headers: Record<string, string>, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers, payload });
    if (res.statusCode !== 201) throw new Error(`seeding ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const ticket = { category: 'seed', content: { title: 'Seeded ticket', description: 'seeded' } };
  const tickets = {
    a1: (await post(`${SHOP}/ticket/`, storefrontAuth('a', 'u1'), ticket))._id,
    a2: (await post(`${SHOP}/ticket/`, storefrontAuth('a', 'u2'), ticket))._id,
    b1: (await post(`${SHOP}/ticket/`, storefrontAuth('b', 'u1'), ticket))._id,
    c1: (await post(`${SHOP}/ticket/`, storefrontAuth('c', 'u1'), ticket))._id,
    staff1: (await post(`${company('1')}/ticket`, staff.one, ticket))._id,
    staff2: (await post(`${company('2')}/ticket`, staff.two, ticket))._id,
  };
  for (const [id, headers] of [
    [tickets.a1, storefrontAuth('a', 'u1')],
    [tickets.c1, storefrontAuth('c', 'u1')],
  ] as const) {
    await post(`${SHOP}/ticket/${id}/history`, headers, { type: 'comment', value: { text: 'hello', media: [] } });
  }
  await post(`${application('a')}/form`, staff.one, CONTACT_FORM);
  await post(`${application('c')}/form`, staff.two, { ...CONTACT_FORM, slug: 'support' });
  await post(`${company('1')}/video/room`, staff.one, { unique_name: tickets.a1 });
  await post(`${company('2')}/video/room`, staff.two, { unique_name: tickets.c1 });
  return { staff, tickets };
}
