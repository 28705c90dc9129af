import { Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StaffTokens } from '../../platform/auth/staff-tokens';
import { CommandContext } from '../../platform/http/request-context';

/**
 * Per-ticket access keys: how an anonymous storefront caller proves it opened a ticket. The key is given out
 * once, in the answer that opened the ticket; events and read models keep only its SHA-256, so neither the
 * log nor a copy of the database gives it back (a 256-bit random key needs no slow hash).
 */
export interface IssuedAccessKey {
  readonly key: string;
  readonly sha256: string;
}

export const accessKeyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Does `presented` hash to `storedSha256`? Constant time; no key or no stored hash never matches. */
export function accessKeyMatches(presented: string | undefined, storedSha256: string | null | undefined): boolean {
  if (!presented || !storedSha256) return false;
  const a = Buffer.from(accessKeyHash(presented), 'hex');
  const b = Buffer.from(storedSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A new key, or for a command keyed by an Idempotency-Key one derived from its command id under a secret:
 * a retry after a crash re-runs the command and must answer the same key the stored hash belongs to. The
 * command id is in the log (causationId), so the derivation needs the secret to keep the key out of it.
 */
export function issueAccessKey(context: Pick<CommandContext, 'commandId' | 'keyed'>, purpose: string, secret: Buffer): IssuedAccessKey {
  const key = context.keyed
    ? createHmac('sha256', secret).update(`${context.commandId}\n${purpose}`).digest('base64url')
    : randomBytes(32).toString('base64url');
  return { key, sha256: accessKeyHash(key) };
}

@Injectable()
export class TicketAccessKeys {
  private readonly secret: Buffer;

  constructor(tokens: StaffTokens) {
    this.secret = tokens.derivedKey('ticket-access-key');
  }

  issue(context: Pick<CommandContext, 'commandId' | 'keyed'>, purpose: string): IssuedAccessKey {
    return issueAccessKey(context, purpose, this.secret);
  }
}
