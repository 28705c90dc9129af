/**
 * Video room events, one stream per room. A room's unique name is the `_id` of the ticket it serves, so a
 * ticket has at most one room, opened and closed as often as staff like (each opening is a new `session`).
 * The `type` strings are stored forever: never rename one, add a new type instead.
 */
export const VideoRoomEventType = {
  VideoRoomOpened: 'VideoRoomOpened',
  VideoParticipantJoined: 'VideoParticipantJoined',
  VideoParticipantLeft: 'VideoParticipantLeft',
  VideoRoomClosed: 'VideoRoomClosed',
} as const;

export interface NotifyUser {
  readonly country_code: string;
  readonly phone_number: string;
}

export interface VideoRoomOpened {
  readonly type: typeof VideoRoomEventType.VideoRoomOpened;
  readonly data: {
    /** The room's unique name (= the ticket `_id`). */
    readonly room: string;
    readonly ticket: string;
    readonly company_id: string;
    readonly application_id?: string;
    /** 1 for the first opening, +1 for each reopening after a close. */
    readonly session: number;
    /** People staff asked to notify (recorded; this service sends no SMS). */
    readonly notify: readonly NotifyUser[];
    readonly opened_at: string;
  };
}

export interface VideoParticipantJoined {
  readonly type: typeof VideoRoomEventType.VideoParticipantJoined;
  readonly data: {
    readonly room: string;
    readonly session: number;
    /** The identity in the participant's token: `user:<id>` (storefront) or `staff:<id>`. */
    readonly identity: string;
    /** LiveKit's id of this one connection; a reconnect gets a new one. */
    readonly sid: string;
    readonly name: string;
    readonly joined_at: string;
  };
}

export interface VideoParticipantLeft {
  readonly type: typeof VideoRoomEventType.VideoParticipantLeft;
  readonly data: {
    readonly room: string;
    readonly session: number;
    readonly identity: string;
    readonly sid: string;
    /** `left`: LiveKit reported it; `room_finished`: LiveKit ended the (empty or timed out) room. */
    readonly reason: 'left' | 'room_finished';
    readonly left_at: string;
  };
}

export interface VideoRoomClosed {
  readonly type: typeof VideoRoomEventType.VideoRoomClosed;
  readonly data: {
    readonly room: string;
    readonly session: number;
    readonly closed_at: string;
  };
}

export type VideoRoomEvent = VideoRoomOpened | VideoParticipantJoined | VideoParticipantLeft | VideoRoomClosed;

export const videoRoomStream = (room: string) => `video-room-${room}`;
