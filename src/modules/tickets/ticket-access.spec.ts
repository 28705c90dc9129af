import { randomBytes } from 'node:crypto';
import { accessKeyHash, accessKeyMatches, issueAccessKey } from './ticket-access';

describe('ticket access keys', () => {
  const secret = randomBytes(32);

  it('gives a fresh 256-bit key per unkeyed command, and keeps only its hash', () => {
    const a = issueAccessKey({ commandId: 'c1' }, 'ticket', secret);
    const b = issueAccessKey({ commandId: 'c1' }, 'ticket', secret);
    expect(a.key).not.toBe(b.key);
    expect(Buffer.from(a.key, 'base64url')).toHaveLength(32);
    expect(a.sha256).toBe(accessKeyHash(a.key));
    expect(a.sha256).not.toContain(a.key);
  });

  it('derives the same key again for a command keyed by an Idempotency-Key, and only with the secret', () => {
    const first = issueAccessKey({ commandId: 'k1', keyed: true }, 'ticket', secret);
    expect(issueAccessKey({ commandId: 'k1', keyed: true }, 'ticket', secret)).toEqual(first);
    expect(issueAccessKey({ commandId: 'k1', keyed: true }, 'ticket', randomBytes(32)).key).not.toBe(first.key);
    expect(issueAccessKey({ commandId: 'k2', keyed: true }, 'ticket', secret).key).not.toBe(first.key);
  });

  it('matches only the key whose hash is stored', () => {
    const { key, sha256 } = issueAccessKey({ commandId: 'c' }, 'ticket', secret);
    expect(accessKeyMatches(key, sha256)).toBe(true);
    expect(accessKeyMatches(key.slice(1), sha256)).toBe(false);
    expect(accessKeyMatches(undefined, sha256)).toBe(false);
    expect(accessKeyMatches(key, null)).toBe(false);
    expect(accessKeyMatches(sha256, sha256)).toBe(false); // the stored hash itself is no key
  });
});
