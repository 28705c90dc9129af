import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { compile } from '@fastify/proxy-addr';
import { JWTVerifyGetKey, JWTVerifyOptions, KeyLike, createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { KeyObject, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { IncomingHttpHeaders } from 'node:http';
import { SETTINGS, Settings, StorefrontIdentitySettings } from '../config/settings';
import { userIdHeader } from './caller';

/**
 * Who the storefront user of a request is, as far as it can be proven: undefined for an anonymous caller,
 * the user id otherwise. A credential that is present but does not prove anything throws (401): a caller
 * who tried to be someone must never be served as anonymous instead.
 */
export type UserProver = (headers: IncomingHttpHeaders, peerAddress: string | undefined) => Promise<string | undefined>;

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export const HEADER_MODE_WARNING =
  'LEAD_STOREFRONT_IDENTITY=header: x-user-id is trusted as sent, so any caller holding the (public) application token can act as any user. ' +
  'Development only: set LEAD_STOREFRONT_IDENTITY=jwt or trusted-proxy in production.';

const refuse = (message: string) => new UnauthorizedException(message);

/** Builds the prover the settings ask for; a setting that cannot work throws here, at start, not per request. */
export function storefrontUserProver(settings: StorefrontIdentitySettings, warn: (message: string) => void): UserProver {
  switch (settings.mode) {
    case 'header':
      warn(HEADER_MODE_WARNING);
      return async (headers) => assertedUser(headers);
    case 'trusted-proxy':
      return trustedProxyProver(settings);
    case 'jwt':
      return jwtProver(settings);
  }
}

/** `x-user-id` as sent: absent, or a sane id (a malformed one is refused, as before). */
function assertedUser(headers: IncomingHttpHeaders): string | undefined {
  const userId = userIdHeader(headers['x-user-id']);
  if (userId === false) throw refuse('x-user-id is not a valid user id');
  return userId;
}

function trustedProxyProver(settings: StorefrontIdentitySettings): UserProver {
  if (settings.trustedProxies.length === 0) {
    throw new Error(
      'LEAD_STOREFRONT_IDENTITY=trusted-proxy needs LEAD_USER_TRUSTED_PROXIES (addresses/CIDRs of the gateways that set x-user-id)',
    );
  }
  // The same parser Fastify applies to LEAD_TRUST_PROXY; it throws on an address it cannot read.
  const trusted = compile([...settings.trustedProxies]);
  return async (headers, peerAddress) => {
    const userId = assertedUser(headers);
    if (userId === undefined) return undefined;
    // The socket's own peer, never x-forwarded-for: only the gateway's connection can vouch for the header.
    if (!peerAddress || !trusted(peerAddress, 0)) throw refuse('x-user-id is honoured only from the storefront gateway');
    return userId;
  };
}

function jwtProver(settings: StorefrontIdentitySettings): UserProver {
  const { key, algorithms } = verificationKey(settings);
  const options: JWTVerifyOptions = {
    algorithms,
    // A session token that never expires is a password sent on every request: demand an expiry.
    requiredClaims: ['exp'],
    ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
    ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
  };
  const header = settings.userTokenHeader;
  return async (headers) => {
    const raw = headers[header];
    const asserted = assertedUser(headers);
    if (raw === undefined || raw === '') {
      if (asserted !== undefined) throw refuse(`x-user-id alone proves nothing; send the user's session token in ${header}`);
      return undefined;
    }
    if (typeof raw !== 'string') throw refuse(`send one ${header}`);
    const token = raw.replace(/^Bearer\s+/i, '');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as KeyLike, options));
    } catch (error) {
      throw refuse(`${header} is not a valid user token: ${reasonOf(error)}`);
    }
    const claim = payload[settings.jwtUserClaim];
    const userId = userIdHeader(typeof claim === 'number' ? String(claim) : (claim as string | undefined));
    if (typeof userId !== 'string') throw refuse(`${header} has no valid "${settings.jwtUserClaim}" claim`);
    if (asserted !== undefined && asserted !== userId) throw refuse(`x-user-id does not match the user of ${header}`);
    return userId;
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim "${error.claim}" ${error.reason}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEError) return error.code;
  return 'unreadable';
}

function verificationKey(s: StorefrontIdentitySettings): { key: Uint8Array | KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  const given = [s.jwtSecret && 'LEAD_USER_JWT_SECRET', s.jwtPublicKey && 'LEAD_USER_JWT_PUBLIC_KEY', s.jwks && 'LEAD_USER_JWKS'].filter(
    Boolean,
  );
  if (given.length !== 1) {
    throw new Error(
      `LEAD_STOREFRONT_IDENTITY=jwt needs exactly one of LEAD_USER_JWT_SECRET, LEAD_USER_JWT_PUBLIC_KEY, LEAD_USER_JWKS; got ${given.length === 0 ? 'none' : given.join(', ')}`,
    );
  }
  if (s.jwtSecret) {
    if (s.jwtSecret.length < 32) throw new Error('LEAD_USER_JWT_SECRET must be at least 32 characters');
    return { key: new TextEncoder().encode(s.jwtSecret), algorithms: HMAC_ALGORITHMS };
  }
  if (s.jwtPublicKey) {
    const pem = s.jwtPublicKey.includes('-----BEGIN') ? s.jwtPublicKey : readFileSync(s.jwtPublicKey, 'utf8');
    const key = createPublicKey(pem);
    return { key, algorithms: algorithmsOf(key) };
  }
  if (/^https?:\/\//i.test(s.jwks)) return { key: createRemoteJWKSet(new URL(s.jwks)), algorithms: ASYMMETRIC_ALGORITHMS };
  if (!existsSync(s.jwks)) throw new Error(`LEAD_USER_JWKS: no such file ${s.jwks}`);
  return { key: createLocalJWKSet(JSON.parse(readFileSync(s.jwks, 'utf8'))), algorithms: ASYMMETRIC_ALGORITHMS };
}

/** Only the algorithms of the key's own type: a public key must never be taken as an HMAC secret. */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return ['ES256', 'ES384', 'ES512'];
    case 'ed25519':
    case 'ed448':
      return ['EdDSA'];
    default:
      throw new Error(`LEAD_USER_JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}

/**
 * The configured prover, built once at start (so a bad setting stops the service, and header mode warns).
 * Both the rate limiter (its per-visitor bucket) and the storefront guard ask who a request's user is; the
 * answer is kept per request (its headers object), so a session token is verified once per request.
 */
@Injectable()
export class StorefrontIdentity {
  readonly userOf: UserProver;

  constructor(@Inject(SETTINGS) settings: Settings) {
    const logger = new Logger('StorefrontIdentity');
    this.userOf = oncePerRequest(storefrontUserProver(settings.storefrontIdentity, (message) => logger.warn(message)));
  }
}

/** The same headers object and peer get the same answer (a rejection included) without proving again. */
export function oncePerRequest(prove: UserProver): UserProver {
  const proven = new WeakMap<IncomingHttpHeaders, { peer: string | undefined; user: Promise<string | undefined> }>();
  return (headers, peer) => {
    const known = proven.get(headers);
    if (known && known.peer === peer) return known.user;
    const user = prove(headers, peer);
    proven.set(headers, { peer, user });
    return user;
  };
}
