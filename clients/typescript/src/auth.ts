import type { Middleware, MiddlewareCallbackParams } from 'openapi-fetch';

/**
 * Who the end user is, on top of the application or staff credential. A string is the user id the gateway
 * forwards in `x-user-id` (today's storefront identity); a record is sent as headers as it is (e.g. a user
 * token header, or a per-ticket access key), so a new identity scheme of the service needs no new helper.
 * A function is asked on every request (one client serving many users).
 */
export type UserIdentity = string | Readonly<Record<string, string>> | undefined;
export type UserIdentitySource = UserIdentity | (() => UserIdentity);

function setIdentity(request: Request, user: UserIdentitySource): void {
  const identity = typeof user === 'function' ? user() : user;
  if (typeof identity === 'string') request.headers.set('x-user-id', identity);
  else if (identity) for (const [name, value] of Object.entries(identity)) request.headers.set(name, value);
}

export interface StorefrontCredentials {
  applicationId: string;
  applicationToken: string;
  user?: UserIdentitySource;
}

/** Storefront routes: `Authorization: Bearer base64(application_id:application_token)`, as Fynd application clients send it. */
export function storefrontAuth({ applicationId, applicationToken, user }: StorefrontCredentials): Middleware {
  const authorization = `Bearer ${Buffer.from(`${applicationId}:${applicationToken}`).toString('base64')}`;
  return {
    onRequest({ request }) {
      request.headers.set('authorization', authorization);
      setIdentity(request, user);
      return request;
    },
  };
}

export interface StaffCredentials {
  /** The service's origin, e.g. http://lead.internal:3000 (the token endpoint is on the same service). */
  baseUrl: string;
  companyId: string;
  /** The staff API client's api_key and api_secret. */
  clientId: string;
  clientSecret: string;
  /** The staff member acting through the client (`x-user-id`), or other identity headers. */
  user?: UserIdentitySource;
  /** Fetch a new token this long before the cached one expires (default 60 s; at most half its lifetime). */
  refreshBeforeSeconds?: number;
  fetch?: typeof fetch;
  /** The clock, in ms (tests). */
  now?: () => number;
}

export interface StaffAuth {
  onRequest(params: MiddlewareCallbackParams): Promise<Request>;
  onResponse(params: MiddlewareCallbackParams & { response: Response }): Response;
  /** A valid access token: the cached one, or a new one when it is within the refresh margin of expiry. */
  token(): Promise<string>;
  /** Forget the cached token (also done on a 401 answer, e.g. after the service's token key changed). */
  invalidate(): void;
}

/**
 * Staff routes: an OAuth2 client-credentials token (RFC 6749 4.4) from the service's token endpoint, cached
 * and fetched again before it expires. Concurrent requests share one token request.
 */
export function staffAuth(options: StaffCredentials): StaffAuth {
  const { baseUrl, companyId, clientId, clientSecret, user } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const margin = (options.refreshBeforeSeconds ?? 60) * 1000;
  const url = `${baseUrl.replace(/\/+$/, '')}/service/panel/authentication/v1.0/company/${encodeURIComponent(companyId)}/oauth/token`;
  // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined for HTTP Basic.
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const requestedAt = now();
    const res = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new Error(`the token endpoint answered ${res.status}: ${String(body.detail ?? body.error ?? 'no access_token')}`);
    }
    // Counted from the request, not the answer, so a slow answer cannot make the token outlive its expiry.
    const lifetime = body.expires_in * 1000;
    cached = { token: body.access_token, refreshAt: requestedAt + lifetime - Math.min(margin, lifetime / 2) };
    return body.access_token;
  };

  const token = (): Promise<string> => {
    if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  };

  return {
    token,
    invalidate: () => (cached = undefined),
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${await token()}`);
      setIdentity(request, user);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) cached = undefined;
      return response;
    },
  };
}
