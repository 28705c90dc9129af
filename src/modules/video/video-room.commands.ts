import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { CommandContext } from '../../platform/http/request-context';
import { systemContext } from '../../platform/http/system-context';
import { handleCommand } from '../../platform/command/command-handler';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { TicketScope } from '../tickets/read-model/ticket.queries';
import { LiveKit } from './livekit';
import { VideoRooms } from './video-rooms';
import { VideoRoomCommand, videoRoomDecider } from './video-room.decider';
import { NotifyUser, videoRoomStream } from './video-room.events';
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
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly rooms: VideoRooms,
  ) {}

  async execute({ room, scope, notify, context }: OpenVideoRoomCommand): Promise<{ unique_name: string }> {
    const ticket = this.rooms.ticket(room, scope);
    const { company_id: companyId, application_id: applicationId } = ticket.context;
    const command: VideoRoomCommand = { kind: 'OpenRoom', room, companyId, applicationId, notify, now: context.now };
    const outcome = await handleCommand(this.store, this.lock, this.chain, videoRoomStream(room), videoRoomDecider, command, context);
    await this.readYourWrites.waitFor(outcome.result.position);
    return { unique_name: room };
  }
}

@CommandHandler(CloseVideoRoomCommand)
export class CloseVideoRoomHandler implements ICommandHandler<CloseVideoRoomCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly rooms: VideoRooms,
    private readonly livekit: LiveKit,
  ) {}

  async execute({ room, scope, context }: CloseVideoRoomCommand): Promise<{ success: true }> {
    this.rooms.ticket(room, scope);
    const command: VideoRoomCommand = { kind: 'CloseRoom', now: context.now };
    const outcome = await handleCommand(this.store, this.lock, this.chain, videoRoomStream(room), videoRoomDecider, command, context);
    await this.readYourWrites.waitFor(outcome.result.position);
    await this.livekit.endRoom(room);
    return { success: true };
  }
}

@CommandHandler(ReportVideoActivityCommand)
export class ReportVideoActivityHandler implements ICommandHandler<ReportVideoActivityCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly rooms: VideoRoomQueries,
  ) {}

  async execute({ room, report, webhookId }: ReportVideoActivityCommand): Promise<{ recorded: number }> {
    // A room this service never opened (another app on the same LiveKit project) is none of its business.
    const tenant = this.rooms.tenant(room);
    if (!tenant) return { recorded: 0 };
    const commandId = webhookId ? `livekit:${webhookId}` : randomUUID();
    // Written by no request of a user: actor `system`, with the webhook's delivery id as the correlation id.
    const context = systemContext('livekit', { tenant, correlationId: webhookId || undefined, commandId });
    const outcome = await handleCommand(this.store, this.lock, this.chain, videoRoomStream(room), videoRoomDecider, report, context);
    if (outcome.events.length) await this.readYourWrites.waitFor(outcome.result.position);
    return { recorded: outcome.events.length };
  }
}
