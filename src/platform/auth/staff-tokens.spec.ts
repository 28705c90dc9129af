import { sign } from 'jsonwebtoken';
import { Settings } from '../config/settings';
import { StaffTokens } from './staff-tokens';

describe('StaffTokens', () => {
  const settings = { tokenSecret: 'shared-secret-0123456789', tokenTtlSeconds: 600 } as Settings;

  it('verifies what it issues, and tokens signed with the secret as a string (by another instance)', () => {
    const tokens = new StaffTokens(settings);
    const issued = tokens.issue('client-1', '7').access_token;
    expect(tokens.verify(issued)).toMatchObject({ sub: 'client-1', company_id: '7' });
    // What an instance that signs with the string secret writes: the same HMAC key bytes.
    const claims = tokens.verify(issued) as unknown as { aud: string; iss: string };
    const byString = sign({ company_id: '7' }, settings.tokenSecret, {
      algorithm: 'HS256',
      subject: 'client-1',
      audience: claims.aud,
      issuer: claims.iss,
      expiresIn: 600,
    });
    expect(tokens.verify(byString)).toMatchObject({ sub: 'client-1', company_id: '7' });
    expect(new StaffTokens({ ...settings, tokenSecret: 'another-secret-0123456789' }).verify(issued)).toBeUndefined();
  });

  it("checks a valid token's signature once, then answers from memory until the token expires", () => {
    const tokens = new StaffTokens(settings);
    const jwt = (tokens as unknown as { jwt: { verify: (...args: unknown[]) => unknown } }).jwt;
    const verify = jest.spyOn(jwt, 'verify');
    const now = jest.spyOn(Date, 'now');
    try {
      const issued = tokens.issue('client-1', '7').access_token;
      const { exp } = tokens.verify(issued) as unknown as { exp: number };
      expect(tokens.verify(issued)).toMatchObject({ sub: 'client-1', company_id: '7' });
      expect(verify).toHaveBeenCalledTimes(1);

      now.mockReturnValue(exp * 1000 - 1);
      expect(tokens.verify(issued)).toMatchObject({ sub: 'client-1' });
      now.mockReturnValue(exp * 1000);
      expect(tokens.verify(issued)).toBeUndefined();
      expect(tokens.verify(issued)).toBeUndefined(); // and jsonwebtoken, asked again, agrees
      expect(verify).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
    }
  });

  it('does not remember tokens that fail: each is checked again', () => {
    const tokens = new StaffTokens(settings);
    const verify = jest.spyOn((tokens as unknown as { jwt: { verify: (...args: unknown[]) => unknown } }).jwt, 'verify');
    const forged = new StaffTokens({ ...settings, tokenSecret: 'another-secret-0123456789' }).issue('client-1', '7').access_token;
    expect(tokens.verify(forged)).toBeUndefined();
    expect(tokens.verify(forged)).toBeUndefined();
    expect(tokens.verify('garbage')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(3);
  });
});
