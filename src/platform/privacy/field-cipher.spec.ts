import { randomBytes } from 'node:crypto';
import { fieldAad, isSealed, nextNonce, openField, sealField } from './field-cipher';

describe('field cipher (AES-256-GCM per field)', () => {
  const key = { keyId: 'k1', key: randomBytes(32) };
  const aad = fieldAad('ticket-1', 3n, 'data.content.title');

  it('round-trips any JSON value, naming the key and not the plaintext', () => {
    for (const value of ['Where is my parcel?', 42, { code: '+91', number: 98765 }, ['a', 'b']]) {
      const sealed = sealField(key, aad, value);
      expect(isSealed(sealed)).toBe(true);
      expect(sealed.k).toBe('k1');
      expect(JSON.stringify(sealed)).not.toContain('parcel');
      expect(openField(key.key, aad, sealed)).toEqual(value);
    }
  });

  it('uses a fresh 12-byte nonce for every field: the same text seals differently', () => {
    const a = sealField(key, aad, 'same');
    const b = sealField(key, aad, 'same');
    expect(Buffer.from(a.n, 'base64')).toHaveLength(12);
    expect(a.n).not.toBe(b.n);
    expect(a.c).not.toBe(b.c);
  });

  it('binds the ciphertext to its stream, revision and field path: moved elsewhere, it does not open', () => {
    const sealed = sealField(key, aad, 'text');
    expect(() => openField(key.key, fieldAad('ticket-2', 3n, 'data.content.title'), sealed)).toThrow();
    expect(() => openField(key.key, fieldAad('ticket-1', 4n, 'data.content.title'), sealed)).toThrow();
    expect(() => openField(key.key, fieldAad('ticket-1', 3n, 'data.content.description'), sealed)).toThrow();
    expect(() => openField(randomBytes(32), aad, sealed)).toThrow();
    expect(() => openField(key.key, aad, { ...sealed, c: Buffer.from('tampered').toString('base64') })).toThrow();
  });

  it('hands out every pooled nonce once: no repeat across several pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const nonce = nextNonce();
      expect(nonce).toHaveLength(12);
      seen.add(nonce.toString('hex'));
    }
    expect(seen.size).toBe(5000);
  });
});
