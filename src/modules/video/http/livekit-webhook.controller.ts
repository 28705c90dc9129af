import { Controller, HttpCode, Post, Req, UnsupportedMediaTypeException } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { WebhookEvent } from 'livekit-server-sdk';
import { DomainError } from '../../../platform/command/domain-error';
import { OBJECT_ID_PATTERN } from '../../../platform/command/object-id';
import { LiveKit } from '../livekit';
import { ReportVideoActivityCommand } from '../video-room.commands';

/** LiveKit's content type for webhooks; the video module keeps such bodies as the raw string it must hash. */
export const WEBHOOK_CONTENT_TYPE = 'application/webhook+json';

/**
 * LiveKit webhooks (configure LiveKit to post to /service/webhooks/livekit with this service's key pair).
 * Only a body signed with the shared secret is believed; joins and leaves of ticket rooms become events.
 */
@ApiTags('webhooks')
@Controller('service/webhooks/livekit')
export class LiveKitWebhookController {
  constructor(
    private readonly livekit: LiveKit,
    private readonly commands: CommandBus,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: `LiveKit webhook (${WEBHOOK_CONTENT_TYPE}, Authorization: LiveKit's signed JWT)` })
  async receive(@Req() request: FastifyRequest): Promise<{ success: true }> {
    if (typeof request.body !== 'string') {
      throw new UnsupportedMediaTypeException(`Send the webhook as LiveKit does: content-type ${WEBHOOK_CONTENT_TYPE}`);
    }
    const event = await this.livekit.receiveWebhook(request.body, request.headers.authorization);
    if (event === 'development-pair') {
      throw new DomainError(
        'unauthorized',
        "Webhooks are refused while LIVEKIT_API_KEY/LIVEKIT_API_SECRET are the development pair (devkey/secret), which anyone can sign with; set your LiveKit project's pair (or LEAD_LIVEKIT_DEV_WEBHOOKS=true in development)",
      );
    }
    if (event === undefined) throw new DomainError('unauthorized', "The webhook is not signed with this service's LiveKit key pair");
    if (event === 'malformed') throw new DomainError('invalid', 'The body is not a LiveKit webhook event');
    const report = reportOf(event);
    const room = event.room?.name ?? '';
    if (report && OBJECT_ID_PATTERN.test(room)) await this.commands.execute(new ReportVideoActivityCommand(room, report, event.id));
    return { success: true };
  }
}

function reportOf(event: WebhookEvent): ReportVideoActivityCommand['report'] | undefined {
  // createdAt is when LiveKit saw it happen (unix seconds); deliveries can be late.
  const at = (event.createdAt ? new Date(Number(event.createdAt) * 1000) : new Date()).toISOString();
  const p = event.participant;
  switch (event.event) {
    case 'participant_joined':
      return p?.identity && p.sid ? { kind: 'ReportJoined', identity: p.identity, sid: p.sid, name: p.name, at } : undefined;
    case 'participant_left':
    case 'participant_connection_aborted':
      return p?.identity && p.sid ? { kind: 'ReportLeft', identity: p.identity, sid: p.sid, at } : undefined;
    case 'room_finished':
      return { kind: 'ReportRoomFinished', at };
    default:
      return undefined;
  }
}
