import { changeFeed, createLeadClient, idempotencyKey, staffAuth, storefrontAuth, unwrap } from '../src';

/** The "consumer in ten lines" of docs/api.md (typed client): a storefront user opens a ticket and comments, staff read its history, a service pages the feed. */
export async function consumer(
  baseUrl: string,
  shopAuth: { applicationId: string; applicationToken: string },
  desk: { companyId: string; clientId: string; clientSecret: string },
) {
  const shop = createLeadClient({ baseUrl, auth: storefrontAuth({ ...shopAuth, user: 'alice' }) });
  const staff = createLeadClient({ baseUrl, auth: staffAuth({ baseUrl, ...desk, user: 'agent-7' }) });
  const ticket = await unwrap(
    shop.POST('/service/application/lead/v1.0/ticket', {
      params: { header: idempotencyKey() },
      body: { category: 'order-issue', content: { title: 'Where is my order?' } },
    }),
  );
  await unwrap(
    shop.POST('/service/application/lead/v1.0/ticket/{id}/history', {
      params: { path: { id: ticket._id }, header: idempotencyKey() },
      body: { type: 'comment', value: { text: 'Any news?', media: [] } },
    }),
  );
  const history = await unwrap(
    staff.GET('/service/platform/lead/v1.0/company/{company_id}/ticket/{id}/history', {
      params: { path: { company_id: desk.companyId, id: ticket._id } },
    }),
  );
  const events: string[] = [];
  for await (const event of changeFeed(staff, { companyId: desk.companyId, limit: 1 })) events.push(`${event.type} ${event.stream}`);
  return { ticket, history, events };
}
