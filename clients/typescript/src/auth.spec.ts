import { staffAuth, storefrontAuth } from './auth';
import { createLeadClient } from './client';

const BASE = 'http://lead.test';
const TOKEN_URL = `${BASE}/service/panel/authentication/v1.0/company/1/oauth/token`;

/** A service stand-in: the token endpoint hands out tok-1, tok-2... (expires_in 600 s); every other route echoes the headers. */
function fakeService() {
  const tokenRequests: Request[] = [];
  const seen: Headers[] = [];
  let status = 200;
  const fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (request.url === TOKEN_URL) {
      tokenRequests.push(request);
      return Response.json({ access_token: `tok-${tokenRequests.length}`, token_type: 'Bearer', expires_in: 600 });
    }
    seen.push(request.headers);
    return Response.json({ items: [], next_cursor: null, end_of_stream: true }, { status });
  };
  return { fetch, tokenRequests, seen, answer: (s: number) => (status = s) };
}

const feed = (client: ReturnType<typeof createLeadClient>) =>
  client.GET('/service/platform/lead/v1.0/company/{company_id}/events', { params: { path: { company_id: '1' } } });

describe('storefrontAuth', () => {
  it('sends Bearer base64(application_id:token) and the user id, or identity headers as given', async () => {
    const service = fakeService();
    let user: string | Record<string, string> | undefined = 'alice';
    const client = createLeadClient({
      baseUrl: BASE,
      fetch: service.fetch,
      auth: storefrontAuth({ applicationId: 'app', applicationToken: 'secret', user: () => user }),
    });
    await feed(client);
    user = { 'x-ticket-access-key': 'k-1' };
    await feed(client);
    user = undefined;
    await feed(client);

    const bearer = `Bearer ${Buffer.from('app:secret').toString('base64')}`;
    expect(service.seen.map((h) => [h.get('authorization'), h.get('x-user-id'), h.get('x-ticket-access-key')])).toEqual([
      [bearer, 'alice', null],
      [bearer, null, 'k-1'],
      [bearer, null, null],
    ]);
  });
});

describe('staffAuth', () => {
  function setup(refreshBeforeSeconds?: number) {
    const service = fakeService();
    let clock = 1_000_000;
    const auth = staffAuth({
      baseUrl: `${BASE}/`,
      companyId: '1',
      clientId: 'key:1',
      clientSecret: 's3cret',
      user: 'agent-7',
      fetch: service.fetch,
      now: () => clock,
      refreshBeforeSeconds,
    });
    const client = createLeadClient({ baseUrl: BASE, fetch: service.fetch, auth });
    return { service, auth, client, advance: (seconds: number) => (clock += seconds * 1000) };
  }

  it('asks the token endpoint with HTTP Basic and client_credentials, and sends the token and user', async () => {
    const { service, client } = setup();
    await feed(client);
    const [tokenRequest] = service.tokenRequests;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.headers.get('authorization')).toBe(`Basic ${Buffer.from('key%3A1:s3cret').toString('base64')}`);
    expect(await tokenRequest.text()).toBe('grant_type=client_credentials');
    expect([service.seen[0].get('authorization'), service.seen[0].get('x-user-id')]).toEqual(['Bearer tok-1', 'agent-7']);
  });

  it('reuses the token until the refresh margin before expiry, then fetches a new one', async () => {
    const { service, client, advance } = setup(60);
    await feed(client);
    advance(539); // 600 s token, refreshed 60 s early: still good at 539 s
    await feed(client);
    advance(1); // 540 s
    await feed(client);
    expect(service.tokenRequests).toHaveLength(2);
    expect(service.seen.map((h) => h.get('authorization'))).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('refreshes at half the lifetime when the margin is longer than that', async () => {
    const { service, auth, advance } = setup(3600);
    await auth.token();
    advance(299);
    expect(await auth.token()).toBe('tok-1');
    advance(1);
    expect(await auth.token()).toBe('tok-2');
    expect(service.tokenRequests).toHaveLength(2);
  });

  it('concurrent requests share one token request', async () => {
    const { service, client } = setup();
    await Promise.all([feed(client), feed(client), feed(client)]);
    expect(service.tokenRequests).toHaveLength(1);
  });

  it('forgets the token after a 401 answer, so the next request fetches a new one', async () => {
    const { service, client } = setup();
    service.answer(401);
    await feed(client);
    service.answer(200);
    await feed(client);
    expect(service.seen.map((h) => h.get('authorization'))).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('a refused credential is an error naming the status, and is asked again next time', async () => {
    const calls: string[] = [];
    const fetch = async (input: Request | string | URL) => {
      calls.push(String(input));
      return Response.json({ type: 'urn:lead:problem:unauthorized', status: 401, detail: 'Unknown client' }, { status: 401 });
    };
    const auth = staffAuth({ baseUrl: BASE, companyId: '1', clientId: 'k', clientSecret: 'wrong', fetch });
    await expect(auth.token()).rejects.toThrow('the token endpoint answered 401: Unknown client');
    await expect(auth.token()).rejects.toThrow('401');
    expect(calls).toEqual([TOKEN_URL, TOKEN_URL]);
  });
});
