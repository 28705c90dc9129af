import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LruMap } from 'toad-cache';
import { SETTINGS, Settings } from '../config/settings';

export interface StaffTokenClaims {
  readonly sub: string;
  readonly company_id: string;
}

const AUDIENCE = 'lead-platform';
/** Distinct valid tokens remembered (a few hundred bytes each); a staff client reuses its token until it expires. */
const VERIFIED_TOKENS = 4096;
const ISSUER = 'lead-service';

/**
 * Issues and checks staff bearer tokens: HS256 JWTs, so any instance sharing LEAD_TOKEN_SECRET can verify
 * them without a lookup. Without that setting a random key is kept in the data directory, which suits
 * one instance (tokens then survive restarts).
 */
@Injectable()
export class StaffTokens {
  private readonly jwt: JwtService;
  private readonly secret: string;
  /** Valid tokens already verified, with their claims and expiry: a panel sends the same token on every call. */
  private readonly verified = new LruMap<{ claims: StaffTokenClaims; expiresAtMs: number }>(VERIFIED_TOKENS);

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {
    this.secret = settings.tokenSecret || this.localSecret();
    // A KeyObject, not the string: given a string, jsonwebtoken first tries it as a public key (createPublicKey
    // throws) on every verify, which was a third of the staff list's CPU. Same bytes, so tokens signed with the
    // string secret (older instances) verify unchanged.
    const key = createSecretKey(Buffer.from(this.secret, 'utf8'));
    this.jwt = new JwtService({ secret: key as unknown as Buffer, signOptions: { algorithm: 'HS256' } });
  }

  /**
   * A key for another use of this service's secret (e.g. ticket access keys), so every instance sharing
   * LEAD_TOKEN_SECRET derives the same one and no new secret needs configuring. One key per purpose.
   */
  derivedKey(purpose: string): Buffer {
    return createHmac('sha256', this.secret).update(`lead derived key\n${purpose}`).digest();
  }

  issue(clientId: string, companyId: string): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    const expiresIn = this.settings.tokenTtlSeconds;
    const token = this.jwt.sign({ company_id: companyId }, { subject: clientId, audience: AUDIENCE, issuer: ISSUER, expiresIn });
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn };
  }

  /**
   * The claims of a valid, unexpired token of ours; undefined otherwise. A token that verified is remembered
   * until its expiry (bounded, least recently used out), so its signature is checked once, not per request:
   * the same string can only ever verify to the same claims, and the expiry is checked on every call. Invalid
   * tokens are not remembered (a caller sending garbage cannot evict the valid ones).
   */
  verify(token: string): StaffTokenClaims | undefined {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.claims;
      this.verified.delete(token);
      return undefined;
    }
    let claims: StaffTokenClaims & { exp?: number };
    try {
      claims = this.jwt.verify<StaffTokenClaims & { exp?: number }>(token, { audience: AUDIENCE, issuer: ISSUER, algorithms: ['HS256'] });
    } catch {
      return undefined;
    }
    if (typeof claims.sub !== 'string' || typeof claims.company_id !== 'string') return undefined;
    // Tokens without an expiry are not ours (issue() always sets one): verified each time, never remembered.
    if (typeof claims.exp === 'number') this.verified.set(token, { claims, expiresAtMs: claims.exp * 1000 });
    return claims;
  }

  private localSecret(): string {
    const file = this.settings.tokenSecretFile;
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const secret = randomBytes(48).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, secret + '\n', { mode: 0o600 });
    new Logger(StaffTokens.name).log(`created a token signing key in ${file}; set LEAD_TOKEN_SECRET when running several instances`);
    return secret;
  }
}
