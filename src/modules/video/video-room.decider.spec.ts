import { deciderSpecification } from '../../../test/support/decider-specification';
import { VideoRoomCommand, videoRoomDecider } from './video-room.decider';
import { VideoRoomEvent } from './video-room.events';

const spec = deciderSpecification(videoRoomDecider);
const ROOM = '6012f38557751ee8fc162cf7';
const NOW = '2026-01-01T00:00:00.000Z';
const openRoom: VideoRoomCommand = { kind: 'OpenRoom', room: ROOM, companyId: '1', applicationId: 'app', notify: [], now: NOW };
const closeRoom: VideoRoomCommand = { kind: 'CloseRoom', now: NOW };
const join = (identity: string, sid: string): VideoRoomCommand => ({ kind: 'ReportJoined', identity, sid, name: 'n', at: NOW });
const leave = (identity: string, sid: string): VideoRoomCommand => ({ kind: 'ReportLeft', identity, sid, at: NOW });

/** The events a stream holds after these commands, each decided on what the earlier ones wrote. */
const after = (...commands: VideoRoomCommand[]): VideoRoomEvent[] =>
  commands.reduce<VideoRoomEvent[]>((events, command) => [...events, ...spec.given(events).when(command).decided()], []);

describe('video room decider', () => {
  it('opens a room for the ticket, in session 1', () => {
    spec
      .given([])
      .when(openRoom)
      .then((events, state) => {
        expect(events).toEqual([
          {
            type: 'VideoRoomOpened',
            data: { room: ROOM, ticket: ROOM, company_id: '1', application_id: 'app', session: 1, notify: [], opened_at: NOW },
          },
        ]);
        expect(state).toMatchObject({ status: 'open', session: 1, present: {} });
      });
  });

  it('refuses to open an open room (409) and to close a room never opened (404) or closed (409)', () => {
    spec.given(after(openRoom)).when(openRoom).thenRefuses('conflict');
    spec.given([]).when(closeRoom).thenRefuses('not_found');
    spec.given(after(openRoom, closeRoom)).when(closeRoom).thenRefuses('conflict');
  });

  it('reopens a closed room as a new session, with nobody in it', () => {
    spec
      .given(after(openRoom, join('user:a', 'PA_1'), closeRoom))
      .when(openRoom)
      .then((events, state) => {
        expect(events[0]).toMatchObject({ type: 'VideoRoomOpened', data: { session: 2 } });
        expect(state).toMatchObject({ status: 'open', session: 2, present: {} });
      });
  });

  it('tracks who is present by connection: joins, leaves, reconnects', () => {
    expect(spec.given(after(openRoom, join('user:a', 'PA_1'), join('staff:s', 'PA_2'))).state).toMatchObject({
      present: { 'user:a': 'PA_1', 'staff:s': 'PA_2' },
    });
    expect(spec.given(after(openRoom, join('user:a', 'PA_1'), leave('user:a', 'PA_1'))).state).toMatchObject({ present: {} });
    // A reconnect replaces the connection; the late leave of the old one is ignored.
    const reconnected = spec.given(after(openRoom, join('user:a', 'PA_1'), join('user:a', 'PA_2')));
    reconnected.when(leave('user:a', 'PA_1')).thenNothingHappens();
    expect(reconnected.state).toMatchObject({ present: { 'user:a': 'PA_2' } });
  });

  it('decides nothing for reports that change nothing', () => {
    spec.given([]).when(join('user:a', 'PA_1')).thenNothingHappens(); // never opened
    spec
      .given(after(openRoom, join('user:a', 'PA_1')))
      .when(join('user:a', 'PA_1'))
      .thenNothingHappens(); // redelivered
    spec
      .given(after(openRoom, join('user:a', 'PA_1'), leave('user:a', 'PA_1')))
      .when(join('user:a', 'PA_1'))
      .thenNothingHappens(); // join after its leave
    spec.given(after(openRoom)).when(leave('user:a', 'PA_1')).thenNothingHappens(); // never joined
    spec
      .given(after(openRoom, join('user:a', 'PA_1'), closeRoom))
      .when(join('user:b', 'PA_2'))
      .thenNothingHappens(); // closed
    spec.given([]).when({ kind: 'ReportRoomFinished', at: NOW }).thenNothingHappens();
  });

  it('room finished: everyone present leaves; closing forces everyone out', () => {
    spec
      .given(after(openRoom, join('user:a', 'PA_1'), join('staff:s', 'PA_2')))
      .when({ kind: 'ReportRoomFinished', at: NOW })
      .then((events, state) => {
        expect(events.map((e) => [e.type, e.data])).toEqual([
          ['VideoParticipantLeft', { room: ROOM, session: 1, identity: 'user:a', sid: 'PA_1', reason: 'room_finished', left_at: NOW }],
          ['VideoParticipantLeft', { room: ROOM, session: 1, identity: 'staff:s', sid: 'PA_2', reason: 'room_finished', left_at: NOW }],
        ]);
        expect(state).toMatchObject({ status: 'open', present: {} });
      });
    spec
      .given(after(openRoom, join('user:a', 'PA_1')))
      .when(closeRoom)
      .then((_, state) => expect(state).toMatchObject({ status: 'closed', present: {} }));
  });
});
