import { DomainError } from '../../platform/command/domain-error';
import { VideoRoomCommand, VideoRoomState, decideVideoRoom, evolveVideoRoom, initialVideoRoomState } from './video-room.decider';
import { VideoRoomEvent } from './video-room.events';

const ROOM = '6012f38557751ee8fc162cf7';
const NOW = '2026-01-01T00:00:00.000Z';
const openRoom: VideoRoomCommand = { kind: 'OpenRoom', room: ROOM, companyId: '1', applicationId: 'app', notify: [], now: NOW };
const join = (identity: string, sid: string): VideoRoomCommand => ({ kind: 'ReportJoined', identity, sid, name: 'n', at: NOW });
const leave = (identity: string, sid: string): VideoRoomCommand => ({ kind: 'ReportLeft', identity, sid, at: NOW });

/** Runs commands in order, folding each decision into the state, as the command path does. */
function run(...commands: VideoRoomCommand[]): { state: VideoRoomState; events: VideoRoomEvent[] } {
  let state = initialVideoRoomState;
  let events: VideoRoomEvent[] = [];
  for (const command of commands) {
    events = decideVideoRoom(command, state);
    state = events.reduce(evolveVideoRoom, state);
  }
  return { state, events };
}

const refusal = (commands: VideoRoomCommand[]) => {
  try {
    run(...commands);
  } catch (error) {
    return error instanceof DomainError ? error.kind : error;
  }
  return 'accepted';
};

describe('video room decider', () => {
  it('opens a room for the ticket, in session 1', () => {
    const { state, events } = run(openRoom);
    expect(events).toEqual([
      { type: 'VideoRoomOpened', data: { room: ROOM, ticket: ROOM, company_id: '1', application_id: 'app', session: 1, notify: [], opened_at: NOW } },
    ]);
    expect(state).toMatchObject({ status: 'open', session: 1, present: {} });
  });

  it('refuses to open an open room (409) and to close a room never opened (404) or closed (409)', () => {
    expect(refusal([openRoom, openRoom])).toBe('conflict');
    expect(refusal([{ kind: 'CloseRoom', now: NOW }])).toBe('not_found');
    expect(refusal([openRoom, { kind: 'CloseRoom', now: NOW }, { kind: 'CloseRoom', now: NOW }])).toBe('conflict');
  });

  it('reopens a closed room as a new session, with nobody in it', () => {
    const { state, events } = run(openRoom, join('user:a', 'PA_1'), { kind: 'CloseRoom', now: NOW }, openRoom);
    expect(events[0]).toMatchObject({ type: 'VideoRoomOpened', data: { session: 2 } });
    expect(state).toMatchObject({ status: 'open', session: 2, present: {} });
  });

  it('tracks who is present by connection: joins, leaves, reconnects', () => {
    expect(run(openRoom, join('user:a', 'PA_1'), join('staff:s', 'PA_2')).state).toMatchObject({ present: { 'user:a': 'PA_1', 'staff:s': 'PA_2' } });
    expect(run(openRoom, join('user:a', 'PA_1'), leave('user:a', 'PA_1')).state).toMatchObject({ present: {} });
    // A reconnect replaces the connection; the late leave of the old one is ignored.
    const reconnected = run(openRoom, join('user:a', 'PA_1'), join('user:a', 'PA_2'), leave('user:a', 'PA_1'));
    expect(reconnected.events).toEqual([]);
    expect(reconnected.state).toMatchObject({ present: { 'user:a': 'PA_2' } });
  });

  it('decides nothing for reports that change nothing', () => {
    expect(run(join('user:a', 'PA_1')).events).toEqual([]); // never opened
    expect(run(openRoom, join('user:a', 'PA_1'), join('user:a', 'PA_1')).events).toEqual([]); // redelivered
    expect(run(openRoom, join('user:a', 'PA_1'), leave('user:a', 'PA_1'), join('user:a', 'PA_1')).events).toEqual([]); // join after its leave
    expect(run(openRoom, leave('user:a', 'PA_1')).events).toEqual([]); // never joined
    expect(run(openRoom, join('user:a', 'PA_1'), { kind: 'CloseRoom', now: NOW }, join('user:b', 'PA_2')).events).toEqual([]); // closed
    expect(run({ kind: 'ReportRoomFinished', at: NOW }).events).toEqual([]);
  });

  it('room finished: everyone present leaves; closing forces everyone out', () => {
    const finished = run(openRoom, join('user:a', 'PA_1'), join('staff:s', 'PA_2'), { kind: 'ReportRoomFinished', at: NOW });
    expect(finished.events.map((e) => [e.type, e.data])).toEqual([
      ['VideoParticipantLeft', { room: ROOM, session: 1, identity: 'user:a', sid: 'PA_1', reason: 'room_finished', left_at: NOW }],
      ['VideoParticipantLeft', { room: ROOM, session: 1, identity: 'staff:s', sid: 'PA_2', reason: 'room_finished', left_at: NOW }],
    ]);
    expect(finished.state).toMatchObject({ status: 'open', present: {} });
    expect(run(openRoom, join('user:a', 'PA_1'), { kind: 'CloseRoom', now: NOW }).state).toMatchObject({ status: 'closed', present: {} });
  });
});
