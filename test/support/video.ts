import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { TestApp, storefrontAuth } from './test-app';

export const WEBHOOK_URL = '/service/webhooks/livekit';

/** A webhook body as LiveKit serializes it (protobuf JSON: camelCase, int64 as strings). */
export function livekitEvent(
  event: string,
  room: string,
  participant?: { identity: string; sid: string; name?: string },
  id = `EV_${Math.random().toString(36).slice(2)}`,
) {
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

export async function postWebhook(
  t: TestApp,
  body: object | string,
  options: { secret?: string; authorization?: string | null; contentType?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const authorization =
    options.authorization === null
      ? undefined
      : (options.authorization ?? (await signWebhook(raw, t.settings.livekitApiKey, options.secret ?? t.settings.livekitApiSecret)));
  return t.app.inject({
    method: 'POST',
    url: WEBHOOK_URL,
    headers: { 'content-type': options.contentType ?? 'application/webhook+json', ...(authorization ? { authorization } : {}) },
    payload: raw,
  });
}

export const STOREFRONT = '/service/application/lead/v1.0';
export const COMPANY1 = '/service/platform/lead/v1.0/company/1';
export const APP_A = `${COMPANY1}/application/000000000000000000000a01`;
export const APP_B = `${COMPANY1}/application/000000000000000000000b02`;

export const call = (t: TestApp, method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method, url, headers, payload });

/** A storefront ticket of application a, opened by `user`; returns its `_id` (= its room's unique name). */
export async function newTicket(t: TestApp, user = 'alice'): Promise<string> {
  const res = await call(t, 'POST', `${STOREFRONT}/ticket/`, storefrontAuth('a', user), {
    category: 'video',
    content: { title: 'Show me' },
  });
  return res.json()._id as string;
}

export const openRoom = (t: TestApp, id: string, headers: Record<string, string>, base = COMPANY1, notify: object[] = []) =>
  call(t, 'POST', `${base}/video/room`, headers, { unique_name: id, notify });

/** `identity=status` of everyone the participants route lists. */
export async function participantsAt(t: TestApp, url: string, headers: Record<string, string>): Promise<string[]> {
  const res = await call(t, 'GET', url, headers);
  if (res.statusCode !== 200) throw new Error(`participants answered ${res.statusCode}: ${res.body}`);
  return (res.json().participants as { identity: string; status: string }[]).map((p) => `${p.identity}=${p.status}`);
}

export const eventCount = async (t: TestApp) => (await t.store.readAll()).length;
