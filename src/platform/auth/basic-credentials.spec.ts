import fc from 'fast-check';
import { basicCredentials } from './basic-credentials';

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('basicCredentials', () => {
  it('reads api_key:api_secret, percent-decoded (RFC 6749 2.3.1); the secret may hold colons', () => {
    expect(basicCredentials(basic('client-1:s3cret'))).toEqual({ kind: 'pair', clientId: 'client-1', secret: 's3cret' });
    expect(basicCredentials(basic('client%3A1:a:b%25'))).toEqual({ kind: 'pair', clientId: 'client:1', secret: 'a:b%' });
    expect(basicCredentials(`basic   ${Buffer.from('a:b').toString('base64')}`)).toMatchObject({ kind: 'pair', clientId: 'a' });
  });

  it('leaves other schemes and no header to the form', () => {
    expect(basicCredentials(undefined)).toEqual({ kind: 'none' });
    expect(basicCredentials('Bearer abc')).toEqual({ kind: 'none' });
    expect(basicCredentials('Basically')).toEqual({ kind: 'none' });
  });

  it.each([
    ['no token', 'Basic', 'needs base64'],
    ['characters outside base64', 'Basic a!b=', 'needs base64'],
    ['padding inside', 'Basic YQ==YQ==', 'needs base64'],
    ['a base64 that does not encode back', 'Basic YR==', 'not valid base64'],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString('base64')}`, 'UTF-8'],
    ['no colon', basic('client-only'), 'no colon'],
    ['a lone %', basic('%:secret'), 'percent-encoding'],
    ['%zz', basic('client:%zz'), 'percent-encoding'],
    ['escapes that are not UTF-8', basic('client:%C3%28'), 'percent-encoding'],
    ['an empty api_key', basic(':secret'), 'empty'],
    ['an empty api_secret', basic('client:'), 'empty'],
  ])('calls %s malformed', (_name, header, reason) => {
    const result = basicCredentials(header);
    expect(result.kind).toBe('malformed');
    expect(result).toMatchObject({ reason: expect.stringContaining(reason) });
  });

  it('never throws, whatever the header (fuzz)', () => {
    const text = fc.string({ unit: fc.constantFrom('%', ':', 'a', 'Z', '0', 'f', 'C', '3', '+', '/', '=', ' ', '\u00e9', '\ud800') });
    const header = fc.oneof(
      fc.string().map((s) => `Basic ${s}`),
      text.map((s) => `Basic ${s}`),
      text.map(basic),
      fc.uint8Array({ maxLength: 40 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        const result = basicCredentials(h);
        expect(['pair', 'malformed']).toContain(result.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back any pair it was given, once percent-encoded (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (id, secret) => {
        const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8'); // lone surrogates cannot be sent
        const [i, s] = [wellFormed(id), wellFormed(secret)];
        expect(basicCredentials(basic(`${encodeURIComponent(i)}:${encodeURIComponent(s)}`))).toEqual({
          kind: 'pair',
          clientId: i,
          secret: s,
        });
      }),
    );
  });
});
