import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientRegistry } from '../auth/client-registry';
import { StaffTokens } from '../auth/staff-tokens';
import { StorefrontIdentity, UserProver } from '../auth/storefront-identity';
import { Settings } from '../config/settings';

/**
 * Who a request counts against. The limit runs before the guards, so it checks the credential itself: a valid
 * storefront token counts against its application, a valid staff token against its API client, anything else
 * (no or a wrong credential, the token endpoint, webhooks) against the client address. So a caller cannot
 * spend another's budget by naming it. A storefront request also has a visitor inside its application.
 */
export type RateKey = { readonly caller: string; readonly visitor?: string };

/**
 * LEAD_RATE_LIMIT_PER_MINUTE requests per minute per caller, and LEAD_RATE_LIMIT_PER_VISITOR_PER_MINUTE per
 * storefront visitor inside its application's budget (`@fastify/rate-limit` stores, counted in this
 * process's memory). The visitor is checked first, so one visitor over their own budget is refused without
 * spending the application's, and the application as a whole still has its ceiling. Probes and metrics are
 * never limited: a burst of bad requests from a proxy's address must not fail the health checks. Over a
 * limit: 429 problem details with Retry-After (seconds).
 */
export async function registerRateLimit(app: NestFastifyApplication, settings: Settings): Promise<void> {
  if (settings.rateLimitPerMinute === 0) return;
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(rateLimit, { global: false, timeWindow: 60_000 });
  const keyOf = rateKeyOf(app.get(ClientRegistry), app.get(StaffTokens), app.get(StorefrontIdentity).userOf);
  // The key is found once per request (proving the user may verify a token), before either limit reads it.
  const keys = new WeakMap<FastifyRequest, RateKey>();
  const key = (request: FastifyRequest) => keys.get(request)!;
  const visitorLimit =
    settings.rateLimitPerVisitorPerMinute > 0
      ? fastify.createRateLimit({ max: settings.rateLimitPerVisitorPerMinute, keyGenerator: (r) => key(r).visitor ?? '' })
      : undefined;
  const callerLimit = fastify.createRateLimit({ max: settings.rateLimitPerMinute, keyGenerator: (r) => key(r).caller });
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isProbe(request)) return;
    keys.set(request, await keyOf(request));
    if (visitorLimit && key(request).visitor !== undefined) refuseOver(await visitorLimit(request), reply, ' per visitor');
    refuseOver(await callerLimit(request), reply, '');
  });
}

type LimitResult = Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>;

function refuseOver(result: LimitResult, reply: FastifyReply, scope: string): void {
  if (result.isAllowed || !result.isExceeded) return;
  void reply.header('retry-after', result.ttlInSeconds);
  const message = `Too many requests: at most ${result.max} a minute${scope}; retry in ${result.ttlInSeconds} s`;
  throw Object.assign(new Error(message), { statusCode: 429 });
}

/** The liveness and readiness probes and the metrics scrape, by the route that matched (not the raw URL). */
export function isProbe(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return route === '/metrics' || route.startsWith('/health/');
}

export function rateKeyOf(clients: ClientRegistry, tokens: StaffTokens, userOf: UserProver): (request: FastifyRequest) => Promise<RateKey> {
  return async (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      const decoded = Buffer.from(bearer, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const app = colon > 0 ? clients.verifyApplication(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
      if (app)
        return { caller: `app:${app.application_id}`, visitor: `app:${app.application_id}:${await storefrontVisitor(request, userOf)}` };
      const staff = tokens.verify(bearer);
      if (staff) return { caller: `staff:${staff.sub}` };
    }
    return { caller: `ip:${request.ip}` };
  };
}

/**
 * The storefront visitor a request comes from, inside its application: the user the configured identity mode
 * proves (the session token's subject in `jwt` mode, `x-user-id` from the gateway in `trusted-proxy` mode,
 * `x-user-id` as sent in the development `header` mode), else its client address. A credential that proves
 * nothing (a forged or mismatched `x-user-id`, a bad token) counts against the address too, so naming a new
 * user on every request never opens a fresh bucket: the guard then refuses it (401) anyway.
 */
export async function storefrontVisitor(request: FastifyRequest, userOf: UserProver): Promise<string> {
  const userId = await userOf(request.headers, request.socket?.remoteAddress).catch(() => undefined);
  return userId !== undefined ? `user:${userId}` : `ip:${request.ip}`;
}
