import { declarePersonalData } from '../../platform/privacy/personal-data';
import { VideoRoomEvent } from './video-room.events';

/**
 * The personal data of video-room events (docs/privacy.md): the phone numbers staff asked to notify (recorded
 * under the staff member who gave them: the stream does not know the ticket's requester) and a participant's
 * display name (the participant's, named by the identity in their token).
 */
export const videoPersonalData = declarePersonalData<VideoRoomEvent>({
  name: 'video',
  events: {
    VideoRoomOpened: {
      room: 'none',
      ticket: 'none',
      company_id: 'none',
      application_id: 'none',
      notify: { country_code: 'none', phone_number: 'author' },
      opened_at: 'none',
    },
    VideoParticipantJoined: { room: 'none', identity: 'none', sid: 'none', name: 'author', joined_at: 'none' },
    VideoParticipantLeft: { room: 'none', identity: 'none', sid: 'none', reason: 'none', left_at: 'none' },
    VideoRoomClosed: { room: 'none', closed_at: 'none' },
  },
  subjects(event) {
    if (event.type !== 'VideoParticipantJoined') return {};
    // `user:<id>` or `staff:<id>`: the participant, whoever's webhook reported the join.
    const identity = String(event.data.identity ?? '');
    const id = identity.slice(identity.indexOf(':') + 1);
    return id ? { author: id } : {};
  },
});
