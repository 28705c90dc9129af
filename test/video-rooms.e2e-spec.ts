import { TokenVerifier } from 'livekit-server-sdk';
import { TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';
import {
  APP_A,
  APP_B,
  COMPANY1,
  STOREFRONT,
  call,
  eventCount,
  livekitEvent,
  newTicket,
  openRoom,
  participantsAt,
  postWebhook,
} from './support/video';

describe('video rooms (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  const decode = (jwt: string) => new TokenVerifier(t.settings.livekitApiKey, t.settings.livekitApiSecret).verify(jwt);
  const alice = () => storefrontAuth('a', 'alice');

  it('opens a room, gives both sides tokens for exactly that room, tracks webhook joins and leaves, closes', async () => {
    const id = await newTicket(t);
    const opened = await openRoom(t, id, staff, COMPANY1, [{ country_code: '+91', phone_number: '9876543210' }]);
    expect(opened.statusCode).toBe(201);
    expect(opened.json()).toEqual({ unique_name: id });
    expect((await call(t, 'GET', `${STOREFRONT}/ticket/${id}`, alice())).json().video_room_id).toBe(id);

    const staffToken = await call(t, 'GET', `${COMPANY1}/video/room/${id}/token`, staff);
    expect(staffToken.statusCode).toBe(200);
    const staffClaims = await decode(staffToken.json().access_token);
    expect(staffClaims).toMatchObject({ sub: 'staff:agent-7', name: 'Support', iss: t.settings.livekitApiKey });
    expect(staffClaims.video).toEqual({ roomJoin: true, room: id, canPublish: true, canSubscribe: true });
    expect(staffClaims.exp! - staffClaims.nbf!).toBe(600);

    const userToken = await call(t, 'GET', `${STOREFRONT}/video/room/${id}/token`, alice());
    const userClaims = await decode(userToken.json().access_token);
    expect(userClaims).toMatchObject({ sub: 'user:alice', video: { roomJoin: true, room: id, canPublish: true, canSubscribe: true } });

    expect((await postWebhook(t, livekitEvent('participant_joined', id, { identity: 'user:alice', sid: 'PA_alice' }))).statusCode).toBe(
      200,
    );
    expect((await postWebhook(t, livekitEvent('participant_joined', id, { identity: 'staff:agent-7', sid: 'PA_agent' }))).statusCode).toBe(
      200,
    );
    expect((await call(t, 'GET', `${STOREFRONT}/video/room/${id}/participants`, alice())).json()).toEqual({
      participants: [
        { identity: 'user:alice', status: 'connected', user: { _id: 'alice', user_id: 'alice', account_type: 'user' } },
        { identity: 'staff:agent-7', status: 'connected', user: { _id: 'agent-7', user_id: 'agent-7', account_type: 'staff' } },
      ],
    });
    await postWebhook(t, livekitEvent('participant_left', id, { identity: 'user:alice', sid: 'PA_alice' }));
    expect(await participantsAt(t, `${APP_A}/video/room/${id}/participants`, staff)).toEqual(['staff:agent-7=connected']);

    const closed = await call(t, 'DELETE', `${APP_A}/video/room/${id}`, staff);
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toEqual({ success: true });
    expect((await call(t, 'GET', `${STOREFRONT}/ticket/${id}`, alice())).json()).not.toHaveProperty('video_room_id');
    expect(await participantsAt(t, `${COMPANY1}/video/room/${id}/participants`, staff)).toEqual([]);
    for (const [url, headers] of [
      [`${COMPANY1}/video/room/${id}/token`, staff],
      [`${STOREFRONT}/video/room/${id}/token`, alice()],
    ] as const) {
      const refused = await call(t, 'GET', url, headers);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ type: 'urn:lead:problem:conflict', detail: `The video room of ticket ${id} is closed` });
    }
    const types = (await t.store.readStream(`video-room-${id}`)).map((e) => e.type);
    expect(types).toEqual([
      'VideoRoomOpened',
      'VideoParticipantJoined',
      'VideoParticipantJoined',
      'VideoParticipantLeft',
      'VideoRoomClosed',
    ]);

    // Reopening starts a new session with nobody in it.
    expect((await openRoom(t, id, staff)).statusCode).toBe(201);
    expect((await call(t, 'GET', `${STOREFRONT}/video/room/${id}/token`, alice())).statusCode).toBe(200);
    expect(await participantsAt(t, `${COMPANY1}/video/room/${id}/participants`, staff)).toEqual([]);
    expect((await t.store.readStream(`video-room-${id}`)).at(-1)?.data).toMatchObject({ session: 2 });
  });

  describe('rules: refusals are problems and append nothing', () => {
    it('409 opening an open room, 404 closing a room never opened, 409 closing a closed room', async () => {
      const id = await newTicket(t);
      const before = await eventCount(t);
      expect((await call(t, 'DELETE', `${COMPANY1}/video/room/${id}`, staff)).statusCode).toBe(404);
      expect((await call(t, 'GET', `${COMPANY1}/video/room/${id}/token`, staff)).statusCode).toBe(404);
      expect((await call(t, 'GET', `${STOREFRONT}/video/room/${id}/participants`, alice())).statusCode).toBe(404);
      expect(await eventCount(t)).toBe(before);
      await openRoom(t, id, staff);
      const again = await openRoom(t, id, staff);
      expect(again.statusCode).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      await call(t, 'DELETE', `${COMPANY1}/video/room/${id}`, staff);
      const after = await eventCount(t);
      expect(after).toBe(before + 2);
      expect((await call(t, 'DELETE', `${COMPANY1}/video/room/${id}`, staff)).statusCode).toBe(409);
      expect(await eventCount(t)).toBe(after);
    });

    it.each([
      ['missing unique_name', { notify: [] }, 'unique_name'],
      ['unique_name not a ticket id', { unique_name: 'room-1' }, 'unique_name'],
      [
        'bad phone number',
        { unique_name: 'a'.repeat(24), notify: [{ country_code: '+91', phone_number: 'call me' }] },
        'notify.0.phone_number',
      ],
      ['notify entry missing a field', { unique_name: 'a'.repeat(24), notify: [{ country_code: '+91' }] }, 'notify.0.phone_number'],
      [
        'too many to notify',
        { unique_name: 'a'.repeat(24), notify: Array(11).fill({ country_code: '1', phone_number: '5550100' }) },
        'notify',
      ],
      ['unknown field', { unique_name: 'a'.repeat(24), topic: 'x' }, 'topic'],
    ])('400 on %s', async (_name, body, field) => {
      const before = await eventCount(t);
      const res = await call(t, 'POST', `${COMPANY1}/video/room`, staff, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await eventCount(t)).toBe(before);
    });

    it('404 opening a room for an unknown ticket', async () => {
      const before = await eventCount(t);
      expect((await openRoom(t, 'ffffffffffffffffffffffff', staff)).statusCode).toBe(404);
      expect(await eventCount(t)).toBe(before);
    });
  });

  it('tenancy: other companies, applications and users cannot reach a room; the owner and company staff can', async () => {
    const id = await newTicket(t, 'alice');
    await openRoom(t, id, staff);
    const before = await eventCount(t);
    const staffTwo = await staffAuth(t, 'two');
    const refused: [string, string, Record<string, string>][] = [
      ['company 2 staff, own company path', `/service/platform/lead/v1.0/company/2/video/room/${id}`, staffTwo],
      ['company 2 staff, company 1 path', `${COMPANY1}/video/room/${id}`, staffTwo],
      ['company 1 staff at application b', `${APP_B}/video/room/${id}`, staff],
      ['storefront app b', `${STOREFRONT}/video/room/${id}`, storefrontAuth('b', 'alice')],
      ['storefront app c (company 2)', `${STOREFRONT}/video/room/${id}`, storefrontAuth('c', 'alice')],
      ['another user of app a', `${STOREFRONT}/video/room/${id}`, storefrontAuth('a', 'bob')],
    ];
    for (const [who, base, headers] of refused) {
      for (const suffix of ['/token', '/participants']) {
        expect([who, suffix, (await call(t, 'GET', `${base}${suffix}`, headers)).statusCode]).toEqual([who, suffix, 404]);
      }
      if (base.startsWith('/service/platform')) expect([who, (await call(t, 'DELETE', base, headers)).statusCode]).toEqual([who, 404]);
    }
    expect((await openRoom(t, id, staffTwo, '/service/platform/lead/v1.0/company/2')).statusCode).toBe(404);
    expect((await openRoom(t, id, staff, APP_B)).statusCode).toBe(404);
    expect(await eventCount(t)).toBe(before);

    const anonymous = await call(t, 'GET', `${STOREFRONT}/video/room/${id}/token`, storefrontAuth('a'));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().detail).toContain('signed-in storefront user');
    expect((await call(t, 'GET', `${APP_A}/video/room/${id}/token`, staff)).statusCode).toBe(200);
    expect((await call(t, 'GET', `${STOREFRONT}/video/room/${id}/token`, alice())).statusCode).toBe(200);
    // Staff without x-user-id join as their API client.
    const clientToken = await call(t, 'GET', `${COMPANY1}/video/room/${id}/token`, await staffAuth(t, 'one'));
    expect((await decode(clientToken.json().access_token)).sub).toBe('staff:staff-client-1');
  });
});
