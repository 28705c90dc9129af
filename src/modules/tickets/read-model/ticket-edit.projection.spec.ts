import { eventRecorder, ticketCreatedData } from '../../../../test/support/recorded-events';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { TicketProjection } from './ticket.projection';

const recorded = eventRecorder();
const created = () => recorded('TicketCreated', ticketCreatedData({ created_by: { id: 'alice' } }), 0);
const at = (minute: number) => ({ ticket: 't1', changed_at: `2026-01-01T00:0${minute}:00.000Z` });

describe('TicketProjection: staff edits', () => {
  const setup = () => {
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    const row = () =>
      db.prepare('SELECT revision, status, priority, category, assigned_to, updated_at, doc FROM rm_tickets').get() as Record<
        string,
        unknown
      > & { doc: string };
    return { db, projection, row, doc: () => JSON.parse(row().doc) };
  };

  it('applies each edit to the document and the filter columns, and moves updated_at', () => {
    const { projection, row, doc } = setup();
    projection.apply(created());
    projection.apply(recorded('TicketStatusChanged', { ...at(1), status: 'in_progress' }, 1));
    projection.apply(recorded('TicketPriorityChanged', { ...at(1), priority: 'urgent' }, 2));
    projection.apply(recorded('TicketAssigned', { ...at(2), agent_id: 'agent-7' }, 3));
    projection.apply(recorded('TicketTagsChanged', { ...at(2), tags: ['vip'] }, 4));
    projection.apply(
      recorded('TicketCategoryChanged', { ...at(3), category: { key: 'refund', display: 'Refund' }, sub_category: 'card' }, 5),
    );
    projection.apply(recorded('TicketContentChanged', { ...at(4), content: { title: 'new', description: 'd', attachments: [] } }, 6));
    expect(row()).toMatchObject({
      revision: 6,
      status: 'in_progress',
      priority: 'urgent',
      category: 'refund',
      assigned_to: 'agent-7',
      updated_at: '2026-01-01T00:04:00.000Z',
    });
    expect(doc()).toMatchObject({
      status: { key: 'in_progress', display: 'In Progress' },
      priority: { key: 'urgent', display: 'Urgent' },
      assigned_to: { agent_id: 'agent-7' },
      tags: ['vip'],
      category: { key: 'refund', display: 'Refund' },
      sub_category: 'card',
      content: { title: 'new', description: 'd' },
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:04:00.000Z',
      updatedAt: '2026-01-01T00:04:00.000Z',
    });
  });

  it('a redelivered edit changes nothing, even after later edits', () => {
    const { projection, row } = setup();
    const toHigh = recorded('TicketPriorityChanged', { ...at(1), priority: 'high' }, 1);
    projection.apply(created());
    projection.apply(toHigh);
    projection.apply(recorded('TicketPriorityChanged', { ...at(2), priority: 'medium' }, 2));
    const before = row();
    projection.apply(toHigh);
    expect(row()).toEqual(before);
    expect(before.priority).toBe('medium');
  });

  it('is_feedback_pending: on when work ends, off on feedback (which leaves updated_at) or on reopening', () => {
    const { projection, doc } = setup();
    projection.apply(created());
    projection.apply(recorded('TicketStatusChanged', { ...at(1), status: 'resolved' }, 1));
    expect(doc().is_feedback_pending).toBe(true);
    projection.apply(
      recorded(
        'FeedbackSubmitted',
        { id: 'f1', ticket: 't1', company_id: '1', category: 'c', response: [], user: {}, created_at: 'later' },
        2,
      ),
    );
    expect(doc()).toMatchObject({ is_feedback_pending: false, updated_at: '2026-01-01T00:01:00.000Z' });
    projection.apply(recorded('TicketStatusChanged', { ...at(2), status: 'closed' }, 3));
    expect(doc().is_feedback_pending).toBe(false); // already answered for this round of work
    projection.apply(recorded('TicketStatusChanged', { ...at(3), status: 'in_progress' }, 4));
    projection.apply(recorded('TicketStatusChanged', { ...at(4), status: 'closed' }, 5));
    expect(doc().is_feedback_pending).toBe(true);
    projection.apply(recorded('TicketStatusChanged', { ...at(5), status: 'in_progress' }, 6));
    expect(doc().is_feedback_pending).toBe(false);
  });

  it('an edit keeps what other features wrote into the document (video_room_id)', () => {
    const { projection, doc } = setup();
    projection.apply(created());
    projection.apply({
      ...recorded('VideoRoomOpened', { room: 't1', ticket: 't1', company_id: '1', session: 1, notify: [], opened_at: 'x' }, 0),
      streamName: 'video-room-t1',
    });
    projection.apply(recorded('TicketPriorityChanged', { ...at(1), priority: 'high' }, 1));
    expect(doc()).toMatchObject({ video_room_id: 't1', priority: { key: 'high' } });
  });

  it('adds the assigned_to column to a table made by version 1', () => {
    const db = openSqlite(':memory:');
    db.exec(`CREATE TABLE rm_tickets (id TEXT PRIMARY KEY, company_id TEXT NOT NULL, application_id TEXT, number INTEGER NOT NULL,
      revision INTEGER NOT NULL, created_by_user TEXT, status TEXT NOT NULL, priority TEXT NOT NULL, category TEXT NOT NULL,
      created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (company_id, number))`);
    const projection = new TicketProjection();
    projection.init(db);
    projection.apply(created());
    projection.apply(recorded('TicketAssigned', { ...at(1), agent_id: 'agent-7' }, 1));
    expect(db.prepare('SELECT assigned_to FROM rm_tickets').get()).toEqual({ assigned_to: 'agent-7' });
  });
});
