import { JwtService } from '@nestjs/jwt';
import fc from 'fast-check';
import { STAFF, TestApp, startTestApp } from './support/test-app';

const tokenUrl = (company: string) => `/service/panel/authentication/v1.0/company/${company}/oauth/token`;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('staff OAuth token endpoint (client credentials)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.dispose());

  const post = (company: string, headers: Record<string, string>, payload: string) =>
    t.app.inject({ method: 'POST', url: tokenUrl(company), headers: { ...FORM, ...headers }, payload });

  it('issues a bearer token for api_key:api_secret over HTTP Basic', async () => {
    const res = await post('1', { authorization: basic(STAFF.one.client_id, STAFF.one.secret) }, 'grant_type=client_credentials');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    const claims = new JwtService({ secret: 'test-token-secret' }).verify(body.access_token, { audience: 'lead-platform' });
    expect(claims).toMatchObject({ sub: STAFF.one.client_id, company_id: '1' });
  });

  it('also takes client_id and client_secret in the form', async () => {
    const res = await post('2', {}, `grant_type=client_credentials&client_id=${STAFF.two.client_id}&client_secret=${STAFF.two.secret}`);
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['a wrong secret', '1', basic(STAFF.one.client_id, 'wrong'), 'grant_type=client_credentials', 401, 'invalid_client'],
    ['an unknown client', '1', basic('nobody', 'x'), 'grant_type=client_credentials', 401, 'invalid_client'],
    ['another company', '2', basic(STAFF.one.client_id, STAFF.one.secret), 'grant_type=client_credentials', 401, 'invalid_client'],
    ['no credentials', '1', '', 'grant_type=client_credentials', 401, 'invalid_client'],
    ['another grant type', '1', basic(STAFF.one.client_id, STAFF.one.secret), 'grant_type=password', 400, 'unsupported_grant_type'],
  ])('refuses %s as problem details with the OAuth error code', async (_name, company, authorization, payload, status, error) => {
    const res = await post(company, authorization ? { authorization } : {}, payload);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status, error });
  });

  it.each([
    ['malformed percent-encoding', basic('%E0%A4%A', 'x')],
    ['a lone %', basic(STAFF.one.client_id, '%')],
    ['no colon', `Basic ${Buffer.from('just-a-client').toString('base64')}`],
    ['an empty secret', basic(STAFF.one.client_id, '')],
    ['bad base64', 'Basic a!b'],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0xc3, 0x28, 0x3a, 0x78]).toString('base64')}`],
  ])('answers a Basic header with %s as a 400 problem (invalid_request), never a 500', async (_name, authorization) => {
    const res = await post('1', { authorization }, 'grant_type=client_credentials');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, error: 'invalid_request', detail: expect.stringContaining('Authorization: Basic') });
  });

  it('answers any Authorization: Basic header with a 400 or 401 problem (fuzz)', async () => {
    // Headers a client can send: printable ASCII after the scheme, or base64 of text rich in '%' and ':'.
    const text = fc.string({ unit: fc.constantFrom('%', '%', ':', 'a', 'F', '0', '8', 'E', '+', ' ', '\u00e9', '\u20ac'), maxLength: 24 });
    const header = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }).map((s) => `Basic ${s}`),
      text.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.tuple(text, text).map(([id, secret]) => basic(id, secret)),
      fc.uint8Array({ maxLength: 30 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        const res = await post('1', { authorization }, 'grant_type=client_credentials');
        expect([authorization, res.statusCode, [400, 401].includes(res.statusCode)]).toEqual([authorization, res.statusCode, true]);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().error).toBe(res.statusCode === 400 ? 'invalid_request' : 'invalid_client');
      }),
      { numRuns: 300 },
    );
  });
});
