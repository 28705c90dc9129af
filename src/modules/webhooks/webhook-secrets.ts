import { Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Settings } from '../../platform/config/settings';

const MIN_LENGTH = 32;

/**
 * Seals signing secrets for the event log with AES-256-GCM under the webhook key: whoever reads the log (an
 * auditor, a backup, another module) does not get a secret that lets them forge deliveries. The key is
 * LEAD_WEBHOOK_KEY, else a random one kept in `<data dir>/webhook-key` (created by the service). Instances
 * sharing an EventStoreDB log must share the key.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(material: string) {
    this.key = createHash('sha256').update(material, 'utf8').digest();
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** Throws when the sealed text was not sealed under this key (a wrong LEAD_WEBHOOK_KEY) or was altered. */
  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

export function loadWebhookKey(settings: Settings, options: { create: boolean }): string | undefined {
  const { key, keyFile } = settings.webhooks;
  if (key) {
    if (key.length < MIN_LENGTH) throw new Error(`LEAD_WEBHOOK_KEY must be at least ${MIN_LENGTH} characters`);
    return key;
  }
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  if (!options.create) return undefined;
  const created = randomBytes(48).toString('base64url');
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, created + '\n', { mode: 0o600 });
  new Logger('Webhooks').warn(
    `created a webhook secret key in ${keyFile}; in production set LEAD_WEBHOOK_KEY from a secret store (docs/webhooks.md)`,
  );
  return created;
}
