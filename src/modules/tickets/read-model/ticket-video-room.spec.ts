import { RecordedEvent } from '../../../platform/event-store/event-store.port';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { TicketProjection } from './ticket.projection';

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
const opened = (revision: number, session = 1) => recorded('VideoRoomOpened', { ticket: ROOM, company_id: '1', session, notify: [], opened_at: NOW }, revision);
const closed = (revision: number) => recorded('VideoRoomClosed', { closed_at: NOW }, revision);

describe('TicketProjection: video_room_id', () => {
  it('shows the room while it is open, and a redelivered opening does not bring a closed room back', () => {
    const db = openSqlite(':memory:');
    const tickets = new TicketProjection();
    tickets.init(db);
    const doc = () => JSON.parse((db.prepare('SELECT doc FROM rm_tickets WHERE id = ?').get(ROOM) as { doc: string }).doc);
    tickets.apply({
      ...recorded('TicketCreated', {}, 0),
      streamName: `ticket-${ROOM}`,
      data: {
        id: ROOM, company_id: '1', source: 'sales_channel', content: { title: 't', description: '', attachments: [] },
        category: { key: 'c', display: 'C' }, status: 'pending', priority: 'low', created_by: {}, created_on: { user_agent: 'ua' }, tags: [], created_at: NOW,
      },
    });
    expect(doc()).not.toHaveProperty('video_room_id');
    const open = opened(0);
    tickets.apply(open);
    expect(doc().video_room_id).toBe(ROOM);
    tickets.apply(closed(1));
    tickets.apply(open);
    expect(doc()).not.toHaveProperty('video_room_id');
    tickets.apply(opened(2, 2));
    expect(doc()).toMatchObject({ _id: ROOM, video_room_id: ROOM, ticket_id: '1' });
    db.close();
  });
});
