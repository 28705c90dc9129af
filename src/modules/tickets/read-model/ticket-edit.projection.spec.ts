import { eventRecorder, ticketCreatedData } from '../../../../test/support/recorded-events';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { DeskQueries } from './desk.queries';
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

  it('keeps the agent and the group: set at creation (form tickets), unassigned, moved between groups, counted', () => {
    const { db, projection, row, doc } = setup();
    const groupOf = () => (db.prepare('SELECT group_id FROM rm_tickets').get() as { group_id: string | null }).group_id;
    const counted = () => db.prepare('SELECT assigned_to, n FROM rm_ticket_counts WHERE n > 0').all();
    projection.apply(recorded('TicketCreated', ticketCreatedData({ assigned_to: { agent_id: 'agent-1' }, group_id: 'g1' }), 0));
    expect([row().assigned_to, groupOf(), doc().group_id]).toEqual(['agent-1', 'g1', 'g1']);
    expect(counted()).toEqual([{ assigned_to: 'agent-1', n: 1 }]);
    projection.apply(recorded('TicketUnassigned', { ...at(1) }, 1));
    expect(row().assigned_to).toBeNull();
    expect(doc()).not.toHaveProperty('assigned_to');
    expect(counted()).toEqual([{ assigned_to: '', n: 1 }]);
    projection.apply(recorded('TicketGroupChanged', { ...at(2), group_id: 'g2' }, 2));
    expect([groupOf(), doc().group_id]).toEqual(['g2', 'g2']);
    projection.apply(recorded('TicketGroupChanged', { ...at(3), group_id: null }, 3));
    expect(groupOf()).toBeNull();
    expect(doc()).not.toHaveProperty('group_id');
    expect(doc().updated_at).toBe(at(3).changed_at);
  });

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

describe('TicketProjection: the staff list counter rows', () => {
  it('count every ticket in the one row of its filter columns, moving it on each edit of them', () => {
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    const rec = eventRecorder('ticket-x');
    const counts = () =>
      db.prepare('SELECT status, priority, category, assigned_to, n FROM rm_ticket_counts WHERE n <> 0 ORDER BY status, assigned_to').all();
    projection.apply(rec('TicketCreated', ticketCreatedData({ id: 'x', company_id: '1', application_id: 'app' }), 0));
    projection.apply(recorded('TicketCreated', ticketCreatedData({ id: 't1', company_id: '1', application_id: 'app' }), 0));
    expect(counts()).toEqual([{ status: 'pending', priority: 'low', category: 'c', assigned_to: '', n: 2 }]);
    projection.apply(recorded('TicketStatusChanged', { ...at(1), status: 'in_progress' }, 1));
    projection.apply(recorded('TicketAssigned', { ...at(2), agent_id: 'agent-7' }, 2));
    projection.apply(recorded('TicketTagsChanged', { ...at(2), tags: ['vip'] }, 3)); // not a counted column
    expect(counts()).toEqual([
      { status: 'in_progress', priority: 'low', category: 'c', assigned_to: 'agent-7', n: 1 },
      { status: 'pending', priority: 'low', category: 'c', assigned_to: '', n: 1 },
    ]);
    // Redelivered: nothing moves.
    projection.apply(recorded('TicketAssigned', { ...at(2), agent_id: 'agent-7' }, 2));
    expect(counts()).toHaveLength(2);
  });

  it('are counted once from the tickets when a model built before them is opened', () => {
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    projection.apply(recorded('TicketCreated', ticketCreatedData({ id: 't1', company_id: '1' }), 0));
    db.exec('DROP TABLE rm_ticket_counts'); // as a model written before this table existed
    new TicketProjection().init(db);
    expect(db.prepare('SELECT company_id, status, n FROM rm_ticket_counts').all()).toEqual([{ company_id: '1', status: 'pending', n: 1 }]);
  });
});

describe('DeskQueries: list totals and filter aggregates', () => {
  it('come from the counter rows, not from counting the tickets, unless a search or an anchor needs a count', () => {
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    const rec = eventRecorder('ticket-x');
    projection.apply(rec('TicketCreated', ticketCreatedData({ id: 'x', company_id: '1', application_id: 'app' }), 0));
    projection.apply(recorded('TicketCreated', ticketCreatedData({ id: 't1', company_id: '1', application_id: 'app', ticket_id: '2' }), 0));
    projection.apply(recorded('TicketAssigned', { ...at(2), agent_id: 'agent-7' }, 1));
    const desk = new DeskQueries(db);
    const list = (q: Partial<Parameters<DeskQueries['listTickets']>[1]> = {}) =>
      desk.listTickets({ companyId: '1' }, { pageNo: 1, pageSize: 1, ...q });
    expect(list().page.item_total).toBe(2);
    expect(desk.filters({ companyId: '1' }, []).assignees).toEqual([{ agent_id: 'agent-7' }]);
    // A counter row says otherwise than the tickets: the answer follows the counter.
    db.exec("UPDATE rm_ticket_counts SET n = n + 40 WHERE assigned_to = ''");
    db.exec("INSERT INTO rm_ticket_counts VALUES ('1', 'app', 'pending', 'low', 'other', 'agent-9', 3)");
    expect(list().page.item_total).toBe(45);
    expect(list({ category: 'other' }).page.item_total).toBe(3);
    expect(list({ status: 'resolved' }).page.item_total).toBe(0);
    expect(desk.filters({ companyId: '1' }, []).assignees).toEqual([{ agent_id: 'agent-7' }, { agent_id: 'agent-9' }]);
    expect(list({ before: 3 }).page.item_total).toBe(2); // anchored: counted
    // The assignee is a counter column ('' for none): summed. A group, tags and time bounds are counted.
    expect(list({ assignedTo: 'none' }).page.item_total).toBe(41);
    expect(list({ assignedTo: 'agent-9' }).page.item_total).toBe(3);
    expect(list({ group: 'none' }).page.item_total).toBe(2);
    expect(list({ tags: ['nope'] }).page.item_total).toBe(0);
    expect(list({ createdAfter: '2000-01-01T00:00:00.000Z' }).page.item_total).toBe(2);
  });
});
