export {
  createLeadClient,
  type LeadClient,
  type LeadClientOptions,
  type Ticket,
  type TicketHistory,
  type TicketHistoryList,
} from './client';
export {
  staffAuth,
  storefrontAuth,
  type StaffAuth,
  type StaffCredentials,
  type StorefrontCredentials,
  type UserIdentity,
  type UserIdentitySource,
} from './auth';
export { etagOf, idempotencyKey, ifMatch } from './headers';
export { changeFeed, changeFeedPages, type ChangeFeedItem, type ChangeFeedOptions, type ChangeFeedPage } from './change-feed';
export { LeadApiError, unwrap, type ProblemDetails } from './errors';
export type { components, operations, paths } from './schema';
