import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../../platform/sqlite/sqlite-database';
import { VideoRoomProjection } from './video-room.projection';
import { VideoRoomQueries } from './video-room.queries';

const ROOM = '6012f38557751ee8fc162cf7';
const NOW = '2026-01-01T00:00:00.000Z';
let position = 100;
const recorded = (type: string, data: object, revision: number): RecordedEvent => ({
  id: `e-${++position}`,
  streamName: `video-room-${ROOM}`,
  type,
  data: { room: ROOM, session: 1, ...data } as Record<string, unknown>,
  metadata: {},
  revision: BigInt(revision),
  position: { commit: BigInt(position), prepare: BigInt(position) },
  created: new Date(),
});
const opened = (revision: number, session = 1) =>
  recorded('VideoRoomOpened', { ticket: ROOM, company_id: '1', session, notify: [], opened_at: NOW }, revision);
const joined = (identity: string, sid: string, revision: number) =>
  recorded('VideoParticipantJoined', { identity, sid, name: 'n', joined_at: NOW }, revision);
const left = (identity: string, sid: string, revision: number) =>
  recorded('VideoParticipantLeft', { identity, sid, reason: 'left', left_at: NOW }, revision);
const closed = (revision: number) => recorded('VideoRoomClosed', { closed_at: NOW }, revision);

describe('VideoRoomProjection', () => {
  let db: SqliteDatabase;
  let projection: VideoRoomProjection;
  let queries: VideoRoomQueries;
  const present = () => queries.participants(ROOM).map((p) => p.identity);
  beforeEach(() => {
    db = openSqlite(':memory:');
    projection = new VideoRoomProjection();
    projection.init(db);
    queries = new VideoRoomQueries(db);
  });
  afterEach(() => db.close());

  it('lists who is connected, in join order, and forgets them on leave and close', () => {
    [opened(0), joined('user:a', 'PA_1', 1), joined('staff:s', 'PA_2', 2)].forEach((e) => projection.apply(e));
    expect(present()).toEqual(['user:a', 'staff:s']);
    projection.apply(left('user:a', 'PA_1', 3));
    expect(present()).toEqual(['staff:s']);
    projection.apply(closed(4));
    expect(present()).toEqual([]);
    expect(queries.tenant(ROOM)).toEqual({ companyId: '1' });
  });

  it('is not changed by a redelivered event', () => {
    const events = [opened(0), joined('user:a', 'PA_1', 1), left('user:a', 'PA_1', 2), joined('user:b', 'PA_2', 3)];
    events.forEach((e) => projection.apply(e));
    // Redelivering the join of user:a after its leave must not bring user:a back, nor reorder user:b.
    events.forEach((e) => projection.apply(e));
    expect(present()).toEqual(['user:b']);
    projection.apply(closed(4));
    projection.apply(opened(0));
    expect(present()).toEqual([]);
    expect(db.prepare('SELECT status FROM rm_video_rooms').get()).toEqual({ status: 'closed' });
  });

  it('reset empties the model', () => {
    [opened(0), joined('user:a', 'PA_1', 1)].forEach((e) => projection.apply(e));
    projection.reset();
    expect(present()).toEqual([]);
    expect(queries.tenant(ROOM)).toBeUndefined();
  });
});
