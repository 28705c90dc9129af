import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyRequest } from 'fastify';
import { ClientRegistry } from '../auth/client-registry';
import { StaffTokens } from '../auth/staff-tokens';
import { Settings } from '../config/settings';

/**
 * LEAD_RATE_LIMIT_PER_MINUTE requests per minute per caller (`@fastify/rate-limit`, counted in this
 * process's memory). The limit runs before the guards, so it checks the credential itself: a valid
 * storefront token counts against its application, a valid staff token against its API client, anything else
 * (no or a wrong credential, the token endpoint, webhooks) against the client address. So a caller cannot
 * spend another's budget by naming it. Over the limit: 429 problem details with Retry-After (seconds).
 */
export async function registerRateLimit(app: NestFastifyApplication, settings: Settings): Promise<void> {
  if (settings.rateLimitPerMinute === 0) return;
  const key = callerKey(app.get(ClientRegistry), app.get(StaffTokens));
  await app.register(rateLimit, {
    max: settings.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: key,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests: at most ${context.max} a minute; retry in ${context.after}`), { statusCode: context.statusCode }),
  });
}

export function callerKey(clients: ClientRegistry, tokens: StaffTokens): (request: FastifyRequest) => string {
  return (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      const decoded = Buffer.from(bearer, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const app = colon > 0 ? clients.verifyApplication(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
      if (app) return `app:${app.application_id}`;
      const staff = tokens.verify(bearer);
      if (staff) return `staff:${staff.sub}`;
    }
    return `ip:${request.ip}`;
  };
}
