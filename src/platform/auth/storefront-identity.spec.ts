import { UnauthorizedException } from '@nestjs/common';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../config/settings';
import { HEADER_MODE_WARNING, oncePerRequest, storefrontUserProver } from './storefront-identity';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const settingsOf = (env: Record<string, string>) => loadSettings({ LEAD_DATA_DIR: '/tmp/unused', ...env }).storefrontIdentity;
const prover = (env: Record<string, string>, warn: (m: string) => void = () => undefined) => storefrontUserProver(settingsOf(env), warn);
const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(UnauthorizedException);

const hs = (claims: Record<string, unknown>, exp: string | number = '5m', key = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(key));

describe('storefront identity: header (development default)', () => {
  it('trusts x-user-id as sent, and warns once at start', async () => {
    const warnings: string[] = [];
    const prove = prover({}, (m) => warnings.push(m));
    expect(warnings).toEqual([HEADER_MODE_WARNING]);
    await expect(prove({ 'x-user-id': 'alice' }, '203.0.113.9')).resolves.toBe('alice');
    await expect(prove({}, '203.0.113.9')).resolves.toBeUndefined();
    await refused(prove({ 'x-user-id': 'bad id with spaces' }, undefined));
  });
});

describe('storefront identity: trusted-proxy', () => {
  const prove = prover({ LEAD_STOREFRONT_IDENTITY: 'trusted-proxy', LEAD_USER_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7' });

  it('honours x-user-id only from a configured gateway address', async () => {
    await expect(prove({ 'x-user-id': 'alice' }, '10.1.2.3')).resolves.toBe('alice');
    await expect(prove({ 'x-user-id': 'alice' }, '::ffff:192.0.2.7')).resolves.toBe('alice');
    await refused(prove({ 'x-user-id': 'alice' }, '203.0.113.9'));
    // x-forwarded-for is what any client can write: it never makes a peer a gateway.
    await refused(prove({ 'x-user-id': 'alice', 'x-forwarded-for': '10.1.2.3' }, '203.0.113.9'));
    await expect(prove({}, '203.0.113.9')).resolves.toBeUndefined();
  });

  it('takes the proxies of LEAD_TRUST_PROXY when given as addresses, and refuses to start with none', () => {
    expect(settingsOf({ LEAD_TRUST_PROXY: '10.0.0.1,10.0.0.2' }).trustedProxies).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(() => prover({ LEAD_STOREFRONT_IDENTITY: 'trusted-proxy', LEAD_TRUST_PROXY: 'true' })).toThrow(/LEAD_USER_TRUSTED_PROXIES/);
    expect(() => prover({ LEAD_STOREFRONT_IDENTITY: 'trusted-proxy', LEAD_USER_TRUSTED_PROXIES: 'not-an-address' })).toThrow();
  });
});

describe('storefront identity: jwt', () => {
  const prove = prover({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWT_SECRET: SECRET });

  it('takes the user from the sub claim of a valid session token', async () => {
    await expect(prove({ 'x-user-token': await hs({ sub: 'alice' }) }, undefined)).resolves.toBe('alice');
    await expect(prove({ 'x-user-token': `Bearer ${await hs({ sub: 'alice' })}` }, undefined)).resolves.toBe('alice');
    await expect(prove({}, undefined)).resolves.toBeUndefined();
  });

  it('refuses a forged, expired, unsigned or expiry-less token, and x-user-id without or against a token', async () => {
    await refused(prove({ 'x-user-token': await hs({ sub: 'alice' }, '5m', 'another-secret-of-at-least-32-characters!') }, undefined));
    await refused(prove({ 'x-user-token': await hs({ sub: 'alice' }, Math.floor(Date.now() / 1000) - 60) }, undefined));
    await refused(prove({ 'x-user-token': 'not.a.jwt' }, undefined));
    const noExp = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    await refused(prove({ 'x-user-token': noExp }, undefined));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: 9e9 })).toString('base64url')}.`;
    await refused(prove({ 'x-user-token': none }, undefined));
    await refused(prove({ 'x-user-id': 'alice' }, undefined));
    await refused(prove({ 'x-user-token': await hs({ sub: 'alice' }), 'x-user-id': 'bob' }, undefined));
    await expect(prove({ 'x-user-token': await hs({ sub: 'alice' }), 'x-user-id': 'alice' }, undefined)).resolves.toBe('alice');
    await refused(prove({ 'x-user-token': await hs({}) }, undefined));
  });

  it('checks issuer and audience when configured, and reads the configured claim and header', async () => {
    const strict = prover({
      LEAD_STOREFRONT_IDENTITY: 'jwt',
      LEAD_USER_JWT_SECRET: SECRET,
      LEAD_USER_JWT_ISSUER: 'https://id.shop.example',
      LEAD_USER_JWT_AUDIENCE: 'lead',
      LEAD_USER_JWT_CLAIM: 'user_id',
      LEAD_USER_TOKEN_HEADER: 'X-Session-Token',
    });
    const token = (iss: string, aud: string) => hs({ iss, aud, user_id: 'u-42', sub: 'someone-else' });
    await expect(strict({ 'x-session-token': await token('https://id.shop.example', 'lead') }, undefined)).resolves.toBe('u-42');
    await refused(strict({ 'x-session-token': await token('https://evil.example', 'lead') }, undefined));
    await refused(strict({ 'x-session-token': await token('https://id.shop.example', 'other') }, undefined));
  });

  it('verifies against a public key PEM or a JWKS file, never taking the public key as an HMAC secret', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const dir = mkdtempSync(join(tmpdir(), 'lead-jwks-'));
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const pem = await exportSPKI(publicKey);
    const signed = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const byPem = prover({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWT_PUBLIC_KEY: pem });
    const byJwks = prover({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWKS: jwksFile });
    await expect(byPem({ 'x-user-token': signed }, undefined)).resolves.toBe('carol');
    await expect(byJwks({ 'x-user-token': signed }, undefined)).resolves.toBe('carol');
    // The classic confusion: an HS256 token keyed with the (public) PEM text.
    const confused = await hs({ sub: 'carol' }, '5m', pem);
    await refused(byPem({ 'x-user-token': confused }, undefined));
    await refused(byJwks({ 'x-user-token': confused }, undefined));
  });

  it('refuses to start without exactly one key, or with a short secret', () => {
    expect(() => prover({ LEAD_STOREFRONT_IDENTITY: 'jwt' })).toThrow(/exactly one/);
    expect(() => prover({ LEAD_STOREFRONT_IDENTITY: 'jwt', LEAD_USER_JWT_SECRET: 'short' })).toThrow(/32/);
    expect(() => loadSettings({ LEAD_STOREFRONT_IDENTITY: 'trust-me' })).toThrow(/LEAD_STOREFRONT_IDENTITY/);
  });
});

describe('oncePerRequest', () => {
  it('proves a request once (the rate limiter and the guard share the answer), and again for another request', async () => {
    let calls = 0;
    const prove = oncePerRequest(async (headers) => {
      calls++;
      if (headers['x-user-id'] === 'bad') throw new UnauthorizedException('no');
      return headers['x-user-id'] as string;
    });
    const one = { 'x-user-id': 'alice' };
    expect(await prove(one, '10.0.0.1')).toBe('alice');
    expect(await prove(one, '10.0.0.1')).toBe('alice');
    expect(calls).toBe(1);
    expect(await prove({ 'x-user-id': 'alice' }, '10.0.0.1')).toBe('alice'); // another request's headers
    expect(calls).toBe(2);
    const bad = { 'x-user-id': 'bad' };
    await expect(prove(bad, undefined)).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(prove(bad, undefined)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(calls).toBe(3);
  });
});
