import { eventRecorder, ticketCreatedData } from '../../../../test/support/recorded-events';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { TicketProjection } from './ticket.projection';

const ROOM = '6012f38557751ee8fc162cf7';
const NOW = '2026-01-01T00:00:00.000Z';

describe('TicketProjection: video_room_id', () => {
  it('shows the room while it is open, and a redelivered opening does not bring a closed room back', () => {
    const room = eventRecorder(`video-room-${ROOM}`);
    const opened = (revision: number, session = 1) =>
      room('VideoRoomOpened', { room: ROOM, ticket: ROOM, company_id: '1', session, notify: [], opened_at: NOW }, revision);
    const closed = (revision: number) => room('VideoRoomClosed', { room: ROOM, session: 1, closed_at: NOW }, revision);
    const db = openSqlite(':memory:');
    const tickets = new TicketProjection();
    tickets.init(db);
    const doc = () => JSON.parse((db.prepare('SELECT doc FROM rm_tickets WHERE id = ?').get(ROOM) as { doc: string }).doc);
    tickets.apply(eventRecorder(`ticket-${ROOM}`)('TicketCreated', ticketCreatedData({ id: ROOM, company_id: '1' }), 0, 100));
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
