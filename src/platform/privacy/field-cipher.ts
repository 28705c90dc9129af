import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * How one personal field is stored: AES-256-GCM under its subject's key, with a fresh 12-byte nonce, the
 * authenticated data binding it to its place (stream, revision, field path), so a ciphertext copied elsewhere
 * (another event, another field) does not decrypt. `k` names the key, not the subject.
 */
export interface SealedField {
  readonly $enc: 'v1';
  readonly k: string;
  readonly n: string;
  readonly c: string;
  readonly t: string;
}

/** What every erased field reads as, everywhere. */
export const ERASED = '[erased]';

export const isSealed = (value: unknown): value is SealedField =>
  typeof value === 'object' &&
  value !== null &&
  (value as { $enc?: unknown }).$enc === 'v1' &&
  typeof (value as { k?: unknown }).k === 'string' &&
  typeof (value as { n?: unknown }).n === 'string' &&
  typeof (value as { c?: unknown }).c === 'string' &&
  typeof (value as { t?: unknown }).t === 'string';

export const fieldAad = (stream: string, revision: bigint, path: string): Buffer => Buffer.from(`${stream}\n${revision}\n${path}`, 'utf8');

/**
 * Nonces come from a pool of CSPRNG bytes filled 12 KiB at a time: one `randomBytes` call per field cost more
 * than the AES-GCM operation itself (bench/README.md). The bytes are the same random bytes, only fetched ahead
 * (as Node's own randomUUID does), and each is handed out once, so nonces stay random and never repeat by design.
 */
const NONCE_BYTES = 12;
const POOL_NONCES = 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function nextNonce(): Buffer {
  if (poolOffset >= pool.length) {
    pool = randomBytes(NONCE_BYTES * POOL_NONCES);
    poolOffset = 0;
  }
  const nonce = pool.subarray(poolOffset, poolOffset + NONCE_BYTES);
  poolOffset += NONCE_BYTES;
  return nonce;
}

export function sealField(key: { keyId: string; key: Buffer }, aad: Buffer, value: unknown): SealedField {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(aad);
  const c = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { $enc: 'v1', k: key.keyId, n: nonce.toString('base64'), c: c.toString('base64'), t: cipher.getAuthTag().toString('base64') };
}

/** The field's value; throws when the ciphertext, its place (AAD) or the key do not match. */
export function openField(key: Buffer, aad: Buffer, sealed: SealedField): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.n, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(sealed.t, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.c, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8'));
}
