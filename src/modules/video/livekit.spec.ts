import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { loadSettings } from '../../platform/config/settings';
import { LiveKit } from './livekit';

const settings = loadSettings({
  LIVEKIT_API_KEY: 'APIkey1',
  LIVEKIT_API_SECRET: 'a-long-enough-test-secret-0123456789',
  LEAD_VIDEO_TOKEN_TTL_SECONDS: '120',
});

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
    const body = JSON.stringify({
      event: 'participant_joined',
      id: 'EV_1',
      room: { name: 'r' },
      participant: { identity: 'user:a', sid: 'PA_1' },
    });
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

describe('LiveKit with the development key pair (devkey/secret)', () => {
  const devSettings = (env: NodeJS.ProcessEnv = {}) => loadSettings(env);
  const body = JSON.stringify({ event: 'room_finished', id: 'EV_2', room: { name: 'r' } });
  const forged = async () => {
    // Anyone can sign with the pair of `livekit-server --dev`: it is in LiveKit's docs.
    const token = new AccessToken('devkey', 'secret');
    token.sha256 = createHash('sha256').update(body).digest('base64');
    return token.toJwt();
  };
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it('warns at start and refuses every webhook, however it is signed', async () => {
    const livekit = new LiveKit(devSettings());
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/development pair.*webhooks are refused/));
    expect(await livekit.receiveWebhook(body, await forged())).toBe('development-pair');
  });

  it('believes them with LEAD_LIVEKIT_DEV_WEBHOOKS=true outside production, still warning', async () => {
    const livekit = new LiveKit(devSettings({ LEAD_LIVEKIT_DEV_WEBHOOKS: 'true' }));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/anyone can forge/));
    expect(await livekit.receiveWebhook(body, await forged())).toMatchObject({ event: 'room_finished' });
  });

  it('will not start with LEAD_LIVEKIT_DEV_WEBHOOKS=true in production, nor with a value that is not a boolean', () => {
    expect(() => devSettings({ LEAD_LIVEKIT_DEV_WEBHOOKS: 'true', NODE_ENV: 'production' })).toThrow(/development only/);
    expect(() => devSettings({ LEAD_LIVEKIT_DEV_WEBHOOKS: 'yes' })).toThrow(/true or false/);
  });

  it('says nothing with a real pair', () => {
    new LiveKit(settings);
    expect(warn).not.toHaveBeenCalled();
  });
});
