import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type LeadClient = Client<paths>;

export type Ticket = components['schemas']['Ticket'];
export type TicketHistory = components['schemas']['TicketHistory'];
export type TicketHistoryList = components['schemas']['TicketHistoryList'];

export interface LeadClientOptions {
  /** The service's origin, e.g. http://lead.internal:3000. */
  baseUrl: string;
  /** storefrontAuth(...) or staffAuth(...): one client speaks for one caller. */
  auth?: Middleware;
  /** Sent on every request, e.g. `x-correlation-id` to follow a request through the service's logs. */
  headers?: Record<string, string>;
  fetch?: (request: Request) => Promise<Response>;
}

/** A typed client of the Lead API (openapi-fetch over the generated `paths`). */
export function createLeadClient({ baseUrl, auth, headers, fetch }: LeadClientOptions): LeadClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), headers, fetch });
  if (auth) client.use(auth);
  return client;
}
