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
});
