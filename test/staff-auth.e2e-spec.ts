import { JwtService } from '@nestjs/jwt';
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
});
