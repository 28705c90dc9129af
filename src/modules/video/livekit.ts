import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccessToken, ParticipantInfo_State, RoomServiceClient, WebhookEvent, WebhookReceiver } from 'livekit-server-sdk';
import { LIVEKIT_DEV_SECRET, SETTINGS, Settings } from '../../platform/config/settings';
import { ParticipantDoc, userOfIdentity } from './video-room.queries';

/**
 * Everything this service does with LiveKit, through its server SDK: room tokens and webhook verification
 * need only the shared key pair (no video server is called); a configured LIVEKIT_URL adds the live
 * participant list and forcing everyone out of a closed room.
 */
@Injectable()
export class LiveKit {
  private readonly logger = new Logger(LiveKit.name);
  private readonly receiver: WebhookReceiver;
  private readonly rooms?: RoomServiceClient;

  /** The pair of `livekit-server --dev`, which anyone can sign with (a webhook, a room token). */
  readonly developmentPair: boolean;

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {
    this.receiver = new WebhookReceiver(settings.livekitApiKey, settings.livekitApiSecret);
    if (settings.livekitUrl) this.rooms = new RoomServiceClient(settings.livekitUrl, settings.livekitApiKey, settings.livekitApiSecret);
    // The secret is what signs; the key only names it (and travels in every token), so the secret decides.
    this.developmentPair = settings.livekitApiSecret === LIVEKIT_DEV_SECRET;
    if (this.developmentPair) {
      this.logger.warn(
        settings.livekitDevWebhooks
          ? 'LIVEKIT_API_KEY/LIVEKIT_API_SECRET are the development pair (devkey/secret) and LEAD_LIVEKIT_DEV_WEBHOOKS=true: anyone can forge a LiveKit webhook or a room token. Development only.'
          : 'LIVEKIT_API_KEY/LIVEKIT_API_SECRET are the development pair (devkey/secret): LiveKit webhooks are refused (anyone could forge them) and room tokens are signed with a public key. Set the pair of your LiveKit project.',
      );
    }
  }

  /** A short-lived token that joins exactly one room, publishing and subscribing. */
  roomToken(room: string, identity: string, name: string): Promise<string> {
    const token = new AccessToken(this.settings.livekitApiKey, this.settings.livekitApiSecret, {
      identity,
      name,
      ttl: this.settings.videoTokenTtlSeconds,
    });
    token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
    return token.toJwt();
  }

  /**
   * Verifies a webhook as LiveKit signs it (a JWT in `Authorization` carrying the body's sha256) and parses it.
   * `undefined` = not signed with our key pair. The SDK checks the signature before it parses, so a body it
   * cannot parse was signed by LiveKit: that is a bad request, not a bad signature. `'development-pair'`: the
   * key pair is the public development one and LEAD_LIVEKIT_DEV_WEBHOOKS is off, so no signature proves anything.
   */
  async receiveWebhook(
    body: string,
    authorization: string | undefined,
  ): Promise<WebhookEvent | undefined | 'malformed' | 'development-pair'> {
    if (this.developmentPair && !this.settings.livekitDevWebhooks) return 'development-pair';
    if (!authorization) return undefined;
    try {
      return await this.receiver.receive(body, authorization);
    } catch (error) {
      if (error instanceof SyntaxError || /cannot decode/i.test((error as Error).message)) return 'malformed';
      return undefined;
    }
  }

  /** Who the video server sees in the room; `undefined` when no server is configured or it cannot be asked. */
  async participants(room: string): Promise<ParticipantDoc[] | undefined> {
    if (!this.rooms) return undefined;
    try {
      const list = await this.rooms.listParticipants(room);
      return list.map((p) => ({
        identity: p.identity,
        status: p.state === ParticipantInfo_State.DISCONNECTED ? 'disconnected' : 'connected',
        user: userOfIdentity(p.identity),
      }));
    } catch (error) {
      // A room nobody has joined yet does not exist on the server; any other failure falls back to webhooks.
      this.logger.warn(`listParticipants(${room}) failed, answering from webhooks: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Ends the room on the video server, which disconnects everyone. Best effort: the close is already recorded. */
  async endRoom(room: string): Promise<void> {
    if (!this.rooms) return;
    try {
      await this.rooms.deleteRoom(room);
    } catch (error) {
      this.logger.warn(`deleteRoom(${room}) failed: ${(error as Error).message}`);
    }
  }
}
