import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Settings } from '../config/settings';

const MIN_LENGTH = 32;

/**
 * The HMAC key of the audit anchors: LEAD_AUDIT_KEY, else a random key kept in `<data dir>/audit-key`.
 * The service creates that file on first start; the CLI only reads it (`create: false`), since a verifier
 * that invented a new key would find every anchor forged.
 */
export function loadAuditKey(settings: Settings, options: { create: boolean }): Buffer | undefined {
  if (settings.auditKey) {
    if (settings.auditKey.length < MIN_LENGTH) throw new Error(`LEAD_AUDIT_KEY must be at least ${MIN_LENGTH} characters`);
    return Buffer.from(settings.auditKey, 'utf8');
  }
  const file = settings.auditKeyFile;
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  if (!options.create) return undefined;
  const key = randomBytes(48).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key + '\n', { mode: 0o600 });
  new Logger('Audit').warn(
    `created an audit anchor key in ${file}; in production set LEAD_AUDIT_KEY from a secret store (docs/audit.md "The key")`,
  );
  return Buffer.from(key, 'utf8');
}
