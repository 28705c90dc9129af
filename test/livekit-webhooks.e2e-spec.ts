import { TestApp, staffAuth, startTestApp } from './support/test-app';
import { COMPANY1, call, eventCount, livekitEvent, newTicket, openRoom, participantsAt, postWebhook, signWebhook } from './support/video';

describe('LiveKit webhooks (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-7');
  });
  afterAll(async () => t.dispose());

  const joined = (id: string, identity: string, sid: string, eventId?: string) =>
    livekitEvent('participant_joined', id, { identity, sid }, eventId);
  const participantsOf = (id: string) => participantsAt(t, `${COMPANY1}/video/room/${id}/participants`, staff);
  const streamLength = async (id: string) => (await t.store.readStream(`video-room-${id}`)).length;
  const openTicketRoom = async () => {
    const id = await newTicket(t);
    await openRoom(t, id, staff);
    return id;
  };

  it('401 for a missing, forged or mismatched signature, 415 for another content type; nothing changes', async () => {
    const id = await openTicketRoom();
    const body = JSON.stringify(joined(id, 'user:mallory', 'PA_m'));
    const signatureOfAnotherBody = await signWebhook(
      JSON.stringify(joined(id, 'user:alice', 'PA_a')),
      t.settings.livekitApiKey,
      t.settings.livekitApiSecret,
    );
    const before = await eventCount(t);
    for (const [name, res] of [
      ['missing', await postWebhook(t, body, { authorization: null })],
      ['another secret', await postWebhook(t, body, { secret: 'not-the-livekit-secret' })],
      ['signature of another body', await postWebhook(t, body, { authorization: signatureOfAnotherBody })],
      ['garbage', await postWebhook(t, body, { authorization: 'Bearer abc.def.ghi' })],
    ] as const) {
      expect([name, res.statusCode, res.headers['content-type']]).toEqual([name, 401, expect.stringContaining('application/problem+json')]);
    }
    expect((await postWebhook(t, body, { contentType: 'application/json' })).statusCode).toBe(415);
    expect(await eventCount(t)).toBe(before);
    expect(await participantsOf(id)).toEqual([]);
    // The same body, correctly signed, is believed.
    expect((await postWebhook(t, body)).statusCode).toBe(200);
    expect(await participantsOf(id)).toEqual(['user:mallory=connected']);
  });

  it('a correctly signed body that is not a LiveKit event is 400', async () => {
    const before = await eventCount(t);
    expect((await postWebhook(t, '{"event": ')).statusCode).toBe(400);
    expect((await postWebhook(t, '{"room": 5}')).statusCode).toBe(400);
    expect(await eventCount(t)).toBe(before);
  });

  it('a redelivered join and a late leave of an older connection change nothing', async () => {
    const id = await openTicketRoom();
    const first = joined(id, 'user:alice', 'PA_1', 'EV_join_1');
    await postWebhook(t, first);
    const length = await streamLength(id);
    expect((await postWebhook(t, first)).statusCode).toBe(200);
    expect(await streamLength(id)).toBe(length);

    // alice reconnects (a new connection) before LiveKit reports that the first one left.
    await postWebhook(t, joined(id, 'user:alice', 'PA_2'));
    await postWebhook(t, livekitEvent('participant_left', id, { identity: 'user:alice', sid: 'PA_1' }));
    expect(await participantsOf(id)).toEqual(['user:alice=connected']);
    // A join redelivered after its leave does not bring a ghost back.
    await postWebhook(t, livekitEvent('participant_left', id, { identity: 'user:alice', sid: 'PA_2' }));
    await postWebhook(t, joined(id, 'user:alice', 'PA_2'));
    expect(await participantsOf(id)).toEqual([]);
  });

  it('reports about rooms this service did not open, or has closed, are acknowledged and change nothing', async () => {
    const id = await openTicketRoom();
    await call(t, 'DELETE', `${COMPANY1}/video/room/${id}`, staff);
    const before = await eventCount(t);
    for (const room of ['ffffffffffffffffffffffff', 'not-a-ticket-room', id]) {
      expect((await postWebhook(t, joined(room, 'user:x', `PA_${room}`))).statusCode).toBe(200);
    }
    expect((await postWebhook(t, livekitEvent('track_published', id))).statusCode).toBe(200);
    expect(await eventCount(t)).toBe(before);
  });

  it('room_finished: everyone still in the room has left', async () => {
    const id = await openTicketRoom();
    await postWebhook(t, joined(id, 'user:alice', 'PA_a'));
    await postWebhook(t, joined(id, 'staff:agent-7', 'PA_s'));
    await postWebhook(t, livekitEvent('room_finished', id, undefined, 'EV_finished'));
    expect(await participantsOf(id)).toEqual([]);
    const last = (await t.store.readStream(`video-room-${id}`)).slice(-2);
    expect(last.map((e) => [e.type, e.data.identity, e.data.reason, e.metadata.actor, e.metadata.correlationId])).toEqual([
      ['VideoParticipantLeft', 'user:alice', 'room_finished', { type: 'system', id: 'livekit' }, 'EV_finished'],
      ['VideoParticipantLeft', 'staff:agent-7', 'room_finished', { type: 'system', id: 'livekit' }, 'EV_finished'],
    ]);
  });
});

describe('LiveKit webhooks with the development key pair (end to end)', () => {
  let t: TestApp;
  afterEach(async () => t.dispose());

  const forgedJoin = async () => {
    const id = await newTicket(t);
    expect((await openRoom(t, id, await staffAuth(t, 'one', 'agent-7'))).statusCode).toBe(201);
    const before = await eventCount(t);
    // Signed with devkey/secret, which anyone can do: they are LiveKit's documented development pair.
    const res = await postWebhook(t, livekitEvent('participant_joined', id, { identity: 'user:mallory', sid: 'PA_forged' }));
    return { res, appended: (await eventCount(t)) - before };
  };

  it('refuses every webhook with 401 and records nothing (the default)', async () => {
    t = await startTestApp({ livekitApiKey: 'devkey', livekitApiSecret: 'secret' });
    const { res, appended } = await forgedJoin();
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/development pair/);
    expect(appended).toBe(0);
  });

  it('believes them when LEAD_LIVEKIT_DEV_WEBHOOKS is on (development)', async () => {
    t = await startTestApp({ livekitApiKey: 'devkey', livekitApiSecret: 'secret', livekitDevWebhooks: true });
    const { res, appended } = await forgedJoin();
    expect(res.statusCode).toBe(200);
    expect(appended).toBe(1);
  });
});
