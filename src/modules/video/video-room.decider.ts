import { assertNever } from '../../platform/command/assert-never';
import { DomainError } from '../../platform/command/domain-error';
import { NotifyUser, VideoParticipantLeft, VideoRoomEvent, VideoRoomEventType } from './video-room.events';

/**
 * A pure decider for one video room. Staff commands (open, close) are refused with a DomainError when they
 * make no sense; LiveKit's reports (join, leave, room finished) are facts that already happened elsewhere, so
 * they are never refused: a report that changes nothing (a redelivery, a report about a closed room) decides
 * no event.
 */
export type VideoRoomState =
  | { readonly status: 'none' }
  | {
      readonly status: 'open' | 'closed';
      readonly room: string;
      readonly companyId: string;
      readonly applicationId?: string;
      readonly session: number;
      /** identity -> sid of the connection that is in the room now. */
      readonly present: Readonly<Record<string, string>>;
      /** Every connection ever reported, so a redelivered join of a connection that has left is ignored. */
      readonly seenSids: ReadonlySet<string>;
    };

export const initialVideoRoomState: VideoRoomState = { status: 'none' };

export type VideoRoomCommand =
  | {
      readonly kind: 'OpenRoom';
      readonly room: string;
      readonly companyId: string;
      readonly applicationId?: string;
      readonly notify: readonly NotifyUser[];
      readonly now: string;
    }
  | { readonly kind: 'CloseRoom'; readonly now: string }
  | { readonly kind: 'ReportJoined'; readonly identity: string; readonly sid: string; readonly name: string; readonly at: string }
  | { readonly kind: 'ReportLeft'; readonly identity: string; readonly sid: string; readonly at: string }
  | { readonly kind: 'ReportRoomFinished'; readonly at: string };

export function decideVideoRoom(command: VideoRoomCommand, state: VideoRoomState): VideoRoomEvent[] {
  switch (command.kind) {
    case 'OpenRoom':
      if (state.status === 'open') throw new DomainError('conflict', `The video room ${state.room} is already open`);
      return [
        {
          type: VideoRoomEventType.VideoRoomOpened,
          data: {
            room: command.room,
            ticket: command.room,
            company_id: command.companyId,
            ...(command.applicationId ? { application_id: command.applicationId } : {}),
            session: state.status === 'none' ? 1 : state.session + 1,
            notify: command.notify,
            opened_at: command.now,
          },
        },
      ];
    case 'CloseRoom':
      // Never opened: there is nothing to close (404). Closed already: the request is stale (409).
      if (state.status === 'none') throw new DomainError('not_found', 'No video room was ever opened for this ticket');
      if (state.status === 'closed') throw new DomainError('conflict', `The video room ${state.room} is already closed`);
      return [{ type: VideoRoomEventType.VideoRoomClosed, data: { room: state.room, session: state.session, closed_at: command.now } }];
    case 'ReportJoined':
      if (state.status !== 'open' || state.seenSids.has(command.sid)) return [];
      return [
        {
          type: VideoRoomEventType.VideoParticipantJoined,
          data: {
            room: state.room,
            session: state.session,
            identity: command.identity,
            sid: command.sid,
            name: command.name,
            joined_at: command.at,
          },
        },
      ];
    case 'ReportLeft':
      // Only the connection that is in the room can leave it: a late report of an older connection of the
      // same identity (it reconnected meanwhile) must not remove the newer one.
      if (state.status !== 'open' || state.present[command.identity] !== command.sid) return [];
      return [left(state.room, state.session, command.identity, command.sid, 'left', command.at)];
    case 'ReportRoomFinished':
      if (state.status !== 'open') return [];
      return Object.entries(state.present).map(([identity, sid]) =>
        left(state.room, state.session, identity, sid, 'room_finished', command.at),
      );
    default:
      return assertNever(command);
  }
}

const left = (
  room: string,
  session: number,
  identity: string,
  sid: string,
  reason: VideoParticipantLeft['data']['reason'],
  at: string,
): VideoParticipantLeft => ({
  type: VideoRoomEventType.VideoParticipantLeft,
  data: { room, session, identity, sid, reason, left_at: at },
});

export function evolveVideoRoom(state: VideoRoomState, event: VideoRoomEvent): VideoRoomState {
  switch (event.type) {
    case VideoRoomEventType.VideoRoomOpened:
      return {
        status: 'open',
        room: event.data.room,
        companyId: event.data.company_id,
        applicationId: event.data.application_id,
        session: event.data.session,
        present: {},
        seenSids: state.status === 'none' ? new Set() : state.seenSids,
      };
    case VideoRoomEventType.VideoParticipantJoined:
      if (state.status === 'none') return state;
      return {
        ...state,
        present: { ...state.present, [event.data.identity]: event.data.sid },
        seenSids: new Set(state.seenSids).add(event.data.sid),
      };
    case VideoRoomEventType.VideoParticipantLeft: {
      if (state.status === 'none') return state;
      const { [event.data.identity]: _gone, ...present } = state.present;
      return { ...state, present };
    }
    case VideoRoomEventType.VideoRoomClosed:
      // Closing forces everyone out.
      return state.status === 'none' ? state : { ...state, status: 'closed', present: {} };
    default:
      return assertNever(event);
  }
}

export const videoRoomDecider = { initialState: initialVideoRoomState, evolve: evolveVideoRoom, decide: decideVideoRoom };
