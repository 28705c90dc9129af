import { TokenVerifier } from 'livekit-server-sdk';
import { livekitEvent, postWebhook } from './support/livekit-webhook';
import { TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const APP = '/service/application/lead/v1.0';
const COMPANY1 = '/service/platform/lead/v1.0/company/1';
const APP_A = `${COMPANY1}/application/000000000000000000000a01`;
const APP_B = `${COMPANY1}/application/000000000000000000000b02`;

describe('video rooms (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url, headers, payload });
  const newTicket = async (user = 'alice') =>
    (await inject('POST', `${APP}/ticket/`, storefrontAuth('a', user), { category: 'video', content: { title: 'Show me' } })).json()._id as string;
  const open = (id: string, base = COMPANY1, headers = staff, notify: object[] = []) => inject('POST', `${base}/video/room`, headers, { unique_name: id, notify });
  const eventCount = async () => (await t.store.readAll()).length;
  const decode = (jwt: string) => new TokenVerifier(t.settings.livekitApiKey, t.settings.livekitApiSecret).verify(jwt);
  const identities = async (url: string, headers: Record<string, string>) => {
    const res = await inject('GET', url, headers);
    expect(res.statusCode).toBe(200);
    return (res.json().participants as { identity: string; status: string }[]).map((p) => `${p.identity}=${p.status}`);
  };

  it('opens a room, gives both sides tokens for exactly that room, tracks webhook joins and leaves, closes', async () => {
    const id = await newTicket();
    const opened = await open(id, COMPANY1, staff, [{ country_code: '+91', phone_number: '9876543210' }]);
    expect(opened.statusCode).toBe(201);
    expect(opened.json()).toEqual({ unique_name: id });
    const ticket = await inject('GET', `${APP}/ticket/${id}`, storefrontAuth('a', 'alice'));
    expect(ticket.json().video_room_id).toBe(id);

    const staffToken = await inject('GET', `${COMPANY1}/video/room/${id}/token`, staff);
    expect(staffToken.statusCode).toBe(200);
    const staffClaims = await decode(staffToken.json().access_token);
    expect(staffClaims).toMatchObject({ sub: 'staff:agent-7', name: 'Support', iss: t.settings.livekitApiKey });
    expect(staffClaims.video).toEqual({ roomJoin: true, room: id, canPublish: true, canSubscribe: true });
    expect(staffClaims.exp! - staffClaims.nbf!).toBe(600);

    const userToken = await inject('GET', `${APP}/video/room/${id}/token`, storefrontAuth('a', 'alice'));
    const userClaims = await decode(userToken.json().access_token);
    expect(userClaims).toMatchObject({ sub: 'user:alice', video: { roomJoin: true, room: id, canPublish: true, canSubscribe: true } });
    await expect(new TokenVerifier(t.settings.livekitApiKey, 'another-secret').verify(userToken.json().access_token)).rejects.toThrow();

    expect((await postWebhook(t, livekitEvent('participant_joined', id, { identity: 'user:alice', sid: 'PA_alice' }))).statusCode).toBe(200);
    expect((await postWebhook(t, livekitEvent('participant_joined', id, { identity: 'staff:agent-7', sid: 'PA_agent' }))).statusCode).toBe(200);
    const res = await inject('GET', `${APP}/video/room/${id}/participants`, storefrontAuth('a', 'alice'));
    expect(res.json()).toEqual({
      participants: [
        { identity: 'user:alice', status: 'connected', user: { _id: 'alice', user_id: 'alice', account_type: 'user' } },
        { identity: 'staff:agent-7', status: 'connected', user: { _id: 'agent-7', user_id: 'agent-7', account_type: 'staff' } },
      ],
    });
    await postWebhook(t, livekitEvent('participant_left', id, { identity: 'user:alice', sid: 'PA_alice' }));
    expect(await identities(`${APP_A}/video/room/${id}/participants`, staff)).toEqual(['staff:agent-7=connected']);

    const closed = await inject('DELETE', `${APP_A}/video/room/${id}`, staff);
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toEqual({ success: true });
    expect((await inject('GET', `${APP}/ticket/${id}`, storefrontAuth('a', 'alice'))).json()).not.toHaveProperty('video_room_id');
    expect(await identities(`${COMPANY1}/video/room/${id}/participants`, staff)).toEqual([]);
    for (const [url, headers] of [[`${COMPANY1}/video/room/${id}/token`, staff], [`${APP}/video/room/${id}/token`, storefrontAuth('a', 'alice')]] as const) {
      const refused = await inject('GET', url, headers);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ type: 'urn:lead:problem:conflict', detail: `The video room of ticket ${id} is closed` });
    }
    const types = (await t.store.readStream(`video-room-${id}`)).map((e) => e.type);
    expect(types).toEqual(['VideoRoomOpened', 'VideoParticipantJoined', 'VideoParticipantJoined', 'VideoParticipantLeft', 'VideoRoomClosed']);

    // Reopening starts a new session with nobody in it.
    expect((await open(id)).statusCode).toBe(201);
    expect((await inject('GET', `${APP}/video/room/${id}/token`, storefrontAuth('a', 'alice'))).statusCode).toBe(200);
    expect(await identities(`${COMPANY1}/video/room/${id}/participants`, staff)).toEqual([]);
    expect((await t.store.readStream(`video-room-${id}`)).at(-1)?.data).toMatchObject({ session: 2 });
  });

  describe('rules: refusals are problems and append nothing', () => {
    it('409 opening an open room, 404 closing a room never opened, 409 closing a closed room', async () => {
      const id = await newTicket();
      const before = await eventCount();
      const neverOpened = await inject('DELETE', `${COMPANY1}/video/room/${id}`, staff);
      expect(neverOpened.statusCode).toBe(404);
      expect((await inject('GET', `${COMPANY1}/video/room/${id}/token`, staff)).statusCode).toBe(404);
      expect((await inject('GET', `${APP}/video/room/${id}/participants`, storefrontAuth('a', 'alice'))).statusCode).toBe(404);
      expect(await eventCount()).toBe(before);
      await open(id);
      const again = await open(id);
      expect(again.statusCode).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      await inject('DELETE', `${COMPANY1}/video/room/${id}`, staff);
      const after = await eventCount();
      expect((await inject('DELETE', `${COMPANY1}/video/room/${id}`, staff)).statusCode).toBe(409);
      expect(await eventCount()).toBe(after);
    });

    it.each([
      ['missing unique_name', { notify: [] }, 'unique_name'],
      ['unique_name not a ticket id', { unique_name: 'room-1' }, 'unique_name'],
      ['bad phone number', { unique_name: 'a'.repeat(24), notify: [{ country_code: '+91', phone_number: 'call me' }] }, 'notify.0.phone_number'],
      ['notify entry missing a field', { unique_name: 'a'.repeat(24), notify: [{ country_code: '+91' }] }, 'notify.0.phone_number'],
      ['too many to notify', { unique_name: 'a'.repeat(24), notify: Array(11).fill({ country_code: '1', phone_number: '5550100' }) }, 'notify'],
      ['unknown field', { unique_name: 'a'.repeat(24), topic: 'x' }, 'topic'],
    ])('400 on %s', async (_name, body, field) => {
      const before = await eventCount();
      const res = await inject('POST', `${COMPANY1}/video/room`, staff, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await eventCount()).toBe(before);
    });

    it('404 opening a room for an unknown ticket', async () => {
      const before = await eventCount();
      expect((await open('ffffffffffffffffffffffff')).statusCode).toBe(404);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('tenancy', () => {
    it('other companies, applications and users cannot reach a room; the owner and company staff can', async () => {
      const id = await newTicket('alice');
      await open(id);
      const before = await eventCount();
      const staffTwo = await staffAuth(t, 'two');
      const refused: [string, string, Record<string, string>][] = [
        ['company 2 staff, own company path', `/service/platform/lead/v1.0/company/2/video/room/${id}`, staffTwo],
        ['company 2 staff, company 1 path', `${COMPANY1}/video/room/${id}`, staffTwo],
        ['company 1 staff at application b', `${APP_B}/video/room/${id}`, staff],
        ['storefront app b', `${APP}/video/room/${id}`, storefrontAuth('b', 'alice')],
        ['storefront app c (company 2)', `${APP}/video/room/${id}`, storefrontAuth('c', 'alice')],
        ['another user of app a', `${APP}/video/room/${id}`, storefrontAuth('a', 'bob')],
      ];
      for (const [who, base, headers] of refused) {
        for (const suffix of ['/token', '/participants']) {
          expect([who, suffix, (await inject('GET', `${base}${suffix}`, headers)).statusCode]).toEqual([who, suffix, 404]);
        }
        if (base.startsWith('/service/platform')) expect([who, (await inject('DELETE', base, headers)).statusCode]).toEqual([who, 404]);
      }
      expect((await open(id, '/service/platform/lead/v1.0/company/2', staffTwo)).statusCode).toBe(404);
      expect((await open(id, APP_B, staff)).statusCode).toBe(404);
      expect(await eventCount()).toBe(before);

      const anonymous = await inject('GET', `${APP}/video/room/${id}/token`, storefrontAuth('a'));
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().detail).toContain('x-user-id');
      expect((await inject('GET', `${APP_A}/video/room/${id}/token`, staff)).statusCode).toBe(200);
      expect((await inject('GET', `${APP}/video/room/${id}/token`, storefrontAuth('a', 'alice'))).statusCode).toBe(200);
      // Staff without x-user-id join as their API client.
      const clientToken = await inject('GET', `${COMPANY1}/video/room/${id}/token`, await staffAuth(t, 'one'));
      expect((await decode(clientToken.json().access_token)).sub).toBe('staff:staff-client-1');
    });
  });
});
