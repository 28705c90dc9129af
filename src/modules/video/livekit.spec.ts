import { createHash } from 'node:crypto';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { loadSettings } from '../../platform/config/settings';
import { LiveKit } from './livekit';

const settings = loadSettings({ LIVEKIT_API_KEY: 'APIkey1', LIVEKIT_API_SECRET: 'a-long-enough-test-secret-0123456789', LEAD_VIDEO_TOKEN_TTL_SECONDS: '120' });

describe('LiveKit', () => {
  const livekit = new LiveKit(settings);

  it('issues a token that joins exactly one room, for the configured lifetime, signed with the key pair', async () => {
    const jwt = await livekit.roomToken('room-1', 'user:alice', 'Customer');
    const claims = await new TokenVerifier('APIkey1', settings.livekitApiSecret).verify(jwt);
    expect(claims).toMatchObject({ iss: 'APIkey1', sub: 'user:alice', name: 'Customer' });
    expect(claims.video).toEqual({ roomJoin: true, room: 'room-1', canPublish: true, canSubscribe: true });
    expect(claims.exp! - claims.nbf!).toBe(120);
    await expect(new TokenVerifier('APIkey1', 'another-secret-of-the-same-length-00').verify(jwt)).rejects.toThrow();
  });

  it('believes only webhooks signed with its key pair over the exact body', async () => {
    const body = JSON.stringify({ event: 'participant_joined', id: 'EV_1', room: { name: 'r' }, participant: { identity: 'user:a', sid: 'PA_1' } });
    const sign = async (key: string, secret: string, signed = body) => {
      const token = new AccessToken(key, secret);
      token.sha256 = createHash('sha256').update(signed).digest('base64');
      return token.toJwt();
    };
    const event = await livekit.receiveWebhook(body, await sign('APIkey1', settings.livekitApiSecret));
    expect(event).toMatchObject({ event: 'participant_joined', room: { name: 'r' }, participant: { identity: 'user:a', sid: 'PA_1' } });
    expect(await livekit.receiveWebhook(body, undefined)).toBeUndefined();
    expect(await livekit.receiveWebhook(body, await sign('otherKey', settings.livekitApiSecret))).toBeUndefined();
    expect(await livekit.receiveWebhook(body, await sign('APIkey1', 'another-secret-of-the-same-length-00'))).toBeUndefined();
    expect(await livekit.receiveWebhook(`${body} `, await sign('APIkey1', settings.livekitApiSecret))).toBeUndefined();
  });

  it('without LIVEKIT_URL it asks no video server', async () => {
    expect(await livekit.participants('room-1')).toBeUndefined();
    await expect(livekit.endRoom('room-1')).resolves.toBeUndefined();
  });
});
