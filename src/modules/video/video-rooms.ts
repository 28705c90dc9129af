import { Inject, Injectable } from '@nestjs/common';
import { Caller } from '../../platform/auth/caller';
import { DomainError } from '../../platform/command/domain-error';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { TicketDoc, TicketQueries, TicketScope, storefrontScopeOf } from '../tickets';
import { LiveKit } from './livekit';
import { VideoRoomState, videoRoomDecider } from './video-room.decider';
import { videoRoomStream } from './video-room.events';
import { foldStream } from '../../platform/command/command-handler';
import { ParticipantDoc, VideoRoomQueries, staffIdentity, storefrontIdentity } from './video-room.queries';

/** Who may use a room, and as whom: a room is reachable exactly when its ticket is visible to the caller. */
export interface VideoCaller {
  readonly scope: TicketScope;
  readonly identity: string;
  /** The display name in the token. */
  readonly name: string;
}

export function videoCallerOf(caller: Caller): VideoCaller {
  if (caller.kind === 'staff') {
    return {
      scope: { companyId: caller.companyId, applicationId: caller.applicationId },
      identity: staffIdentity(caller.userId ?? caller.clientId),
      name: 'Support',
    };
  }
  // A call's participants are named by user id, so video needs a proven signed-in user; an anonymous
  // caller (even one holding the ticket's access key) has no identity to join as.
  if (!caller.userId) throw new DomainError('unauthorized', 'Video rooms need a signed-in storefront user');
  return {
    scope: storefrontScopeOf(caller),
    identity: storefrontIdentity(caller.userId),
    name: 'Customer',
  };
}

/** The reads of a room that staff and storefront share: its ticket, its state, tokens and participants. */
@Injectable()
export class VideoRooms {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tickets: TicketQueries,
    private readonly rooms: VideoRoomQueries,
    private readonly livekit: LiveKit,
  ) {}

  /** The ticket behind a room name, or 404 when the caller cannot see it (or it does not exist). */
  ticket(room: string, scope: TicketScope): TicketDoc {
    return this.tickets.visibleTicket(room, scope).doc;
  }

  /** A token for an open room of a visible ticket: 404 when no room was ever opened, 409 once it is closed. */
  async token(room: string, who: VideoCaller): Promise<{ access_token: string }> {
    this.ticket(room, who.scope);
    const state = await this.state(room);
    if (state.status === 'none') throw new DomainError('not_found', `No video room is open for ticket ${room}`);
    if (state.status === 'closed') throw new DomainError('conflict', `The video room of ticket ${room} is closed`);
    return { access_token: await this.livekit.roomToken(room, who.identity, who.name) };
  }

  /** Who is in the room: nobody once it is closed; 404 when no room was ever opened. */
  async participants(room: string, who: VideoCaller): Promise<{ participants: ParticipantDoc[] }> {
    this.ticket(room, who.scope);
    const state = await this.state(room);
    if (state.status === 'none') throw new DomainError('not_found', `No video room was ever opened for ticket ${room}`);
    if (state.status === 'closed') return { participants: [] };
    return { participants: (await this.livekit.participants(room)) ?? this.rooms.participants(room) };
  }

  /** The room as its stream says now, not as a read model may lag: a stored close ends token issue at once. */
  private async state(room: string): Promise<VideoRoomState> {
    const events = await this.store.readStream(videoRoomStream(room));
    return foldStream(videoRoomDecider, events);
  }
}
