import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { CommandContext } from '../../platform/http/request-context';
import { systemContext } from '../../platform/http/system-context';
import { TicketScope } from '../tickets';
import { LiveKit } from './livekit';
import { VideoRooms } from './video-rooms';
import { VideoRoomCommand } from './video-room.decider';
import { VideoRoomCommandHandler } from './video-room-command-handler';
import { NotifyUser } from './video-room.events';
import { VideoRoomQueries } from './video-room.queries';

export class OpenVideoRoomCommand extends Command<{ unique_name: string }> {
  constructor(
    readonly room: string,
    readonly scope: TicketScope,
    readonly notify: readonly NotifyUser[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class CloseVideoRoomCommand extends Command<{ success: true }> {
  constructor(
    readonly room: string,
    readonly scope: TicketScope,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** A join, leave or room end that LiveKit reported in a verified webhook. */
export class ReportVideoActivityCommand extends Command<{ recorded: number }> {
  constructor(
    readonly room: string,
    readonly report: Extract<VideoRoomCommand, { kind: 'ReportJoined' | 'ReportLeft' | 'ReportRoomFinished' }>,
    /** LiveKit's webhook id: it correlates, and a retried delivery at the same revision writes nothing twice. */
    readonly webhookId: string,
  ) {
    super();
  }
}

@CommandHandler(OpenVideoRoomCommand)
export class OpenVideoRoomHandler implements ICommandHandler<OpenVideoRoomCommand> {
  constructor(
    private readonly handler: VideoRoomCommandHandler,
    private readonly rooms: VideoRooms,
  ) {}

  async execute({ room, scope, notify, context }: OpenVideoRoomCommand): Promise<{ unique_name: string }> {
    const ticket = this.rooms.ticket(room, scope);
    const { company_id: companyId, application_id: applicationId } = ticket.context;
    const command: VideoRoomCommand = { kind: 'OpenRoom', room, companyId, applicationId, notify, now: context.now };
    await this.handler.handle(room, command, context);
    return { unique_name: room };
  }
}

@CommandHandler(CloseVideoRoomCommand)
export class CloseVideoRoomHandler implements ICommandHandler<CloseVideoRoomCommand> {
  constructor(
    private readonly handler: VideoRoomCommandHandler,
    private readonly rooms: VideoRooms,
    private readonly livekit: LiveKit,
  ) {}

  async execute({ room, scope, context }: CloseVideoRoomCommand): Promise<{ success: true }> {
    this.rooms.ticket(room, scope);
    const command: VideoRoomCommand = { kind: 'CloseRoom', now: context.now };
    await this.handler.handle(room, command, context);
    await this.livekit.endRoom(room);
    return { success: true };
  }
}

@CommandHandler(ReportVideoActivityCommand)
export class ReportVideoActivityHandler implements ICommandHandler<ReportVideoActivityCommand> {
  constructor(
    private readonly handler: VideoRoomCommandHandler,
    private readonly rooms: VideoRoomQueries,
  ) {}

  async execute({ room, report, webhookId }: ReportVideoActivityCommand): Promise<{ recorded: number }> {
    // A room this service never opened (another app on the same LiveKit project) is none of its business.
    const tenant = this.rooms.tenant(room);
    if (!tenant) return { recorded: 0 };
    const commandId = webhookId ? `livekit:${webhookId}` : randomUUID();
    // Written by no request of a user: actor `system`, with the webhook's delivery id as the correlation id.
    const context = systemContext('livekit', { tenant, correlationId: webhookId || undefined, commandId });
    const outcome = await this.handler.handle(room, report, context);
    return { recorded: outcome.events.length };
  }
}
