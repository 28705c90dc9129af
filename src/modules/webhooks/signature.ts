import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of random bytes, the
 * HMAC key is those bytes, and a signature is `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")).
 * Several signatures (a rotation's overlap) are separated by spaces; a receiver accepts any that verifies.
 */
export const SECRET_PREFIX = 'whsec_';

export const newSigningSecret = (): string => SECRET_PREFIX + randomBytes(32).toString('base64');

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three Standard Webhooks headers for one attempt (the timestamp is the attempt's, in seconds). */
export function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}
