import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { TestApp } from './test-app';

export const WEBHOOK_URL = '/service/webhooks/livekit';

/** A webhook body as LiveKit serializes it (protobuf JSON: camelCase, int64 as strings). */
export function livekitEvent(event: string, room: string, participant?: { identity: string; sid: string; name?: string }, id = `EV_${Math.random().toString(36).slice(2)}`) {
  return {
    event,
    id,
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { sid: `RM_${room.slice(-6)}`, name: room },
    ...(participant ? { participant: { state: 'ACTIVE', name: 'someone', ...participant } } : {}),
  };
}

/** Signs as LiveKit does: a JWT issued by the API key, HS256 with the secret, carrying the body's base64 sha256. */
export async function signWebhook(body: string, apiKey: string, apiSecret: string): Promise<string> {
  const token = new AccessToken(apiKey, apiSecret);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

export async function postWebhook(t: TestApp, body: object | string, options: { secret?: string; authorization?: string | null; contentType?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const authorization =
    options.authorization === null ? undefined : (options.authorization ?? (await signWebhook(raw, t.settings.livekitApiKey, options.secret ?? t.settings.livekitApiSecret)));
  return t.app.inject({
    method: 'POST',
    url: WEBHOOK_URL,
    headers: { 'content-type': options.contentType ?? 'application/webhook+json', ...(authorization ? { authorization } : {}) },
    payload: raw,
  });
}
