import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../../platform/event-store/event-store.port';
import { Projection } from '../../../platform/projections/projection';
import { SqliteDatabase } from '../../../platform/sqlite/sqlite-database';
import { TicketVideoRoomField } from './ticket-video-room';
import { editTicketDoc, historyDoc, newTicketDoc } from './ticket-doc';
import { TicketDoc } from './ticket.views';
import { TicketDeskEvent } from '../ticket.events';
import { HistoryAppended, TicketCreated, TicketEventType, TicketNumbersMigrated } from '../ticket.events';

/**
 * Tickets and their history, as the API returns them (the wire document is stored ready to send).
 * Readable ticket numbers are the ones recorded in the events: `ticket_id` in TicketCreated, decided when the
 * ticket was written. Tickets created before numbers were recorded are numbered as they were then (per
 * company in log order, `rm_ticket_counters`) until their company's TicketNumbersMigrated, which comes after
 * them in the log and sets the numbers it recorded: a rebuild that no longer sees a deleted ticket still
 * ends with every other ticket's recorded number.
 */
@Injectable()
export class TicketProjection implements Projection {
  readonly name = 'tickets';
  // 2: staff edits and feedback change tickets; assigned_to column and the staff list indexes.
  // 3: the assigned_to column is set at creation too (form tickets picked an agent; version 2 left it empty,
  // so the `assigned_to` filter missed them) and group_id (agent groups) is kept.
  readonly version = 3;
  readonly tables = ['rm_tickets', 'rm_ticket_counters', 'rm_ticket_history', 'rm_ticket_counts', ...TicketVideoRoomField.tables];
  /** A skipped TicketCreated would lose the ticket (and shift unrecorded numbers): stop instead (docs/operations.md "Poison events"). */
  readonly onError = 'halt' as const;
  /** The API answers from it: applied in the append's transaction on the embedded store (no wait, no re-read). */
  readonly lifecycle = 'inline' as const;
  readonly handles = [...Object.values(TicketEventType), ...TicketVideoRoomField.handles];
  private stmts!: ReturnType<typeof prepare>;
  private readonly videoRoom = new TicketVideoRoomField();

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_tickets (
        id TEXT PRIMARY KEY, company_id TEXT NOT NULL, application_id TEXT, number INTEGER NOT NULL,
        revision INTEGER NOT NULL, created_by_user TEXT, status TEXT NOT NULL, priority TEXT NOT NULL,
        category TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL,
        UNIQUE (company_id, number));
      CREATE INDEX IF NOT EXISTS rm_tickets_company ON rm_tickets (company_id, created_at DESC, id DESC);
      CREATE TABLE IF NOT EXISTS rm_ticket_counters (company_id TEXT PRIMARY KEY, last_number INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS rm_ticket_history (
        id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_ticket_history_ticket ON rm_ticket_history (ticket_id, position);
    `);
    // Added in version 2; a table created by version 1 gets the column here and is then rebuilt.
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(rm_tickets)').all();
    if (!columns.some((c) => c.name === 'assigned_to')) db.exec('ALTER TABLE rm_tickets ADD COLUMN assigned_to TEXT');
    // Tickets opened anonymously carry the hash of their access key; older tickets have none (no anonymous access).
    if (!columns.some((c) => c.name === 'access_key_sha256')) db.exec('ALTER TABLE rm_tickets ADD COLUMN access_key_sha256 TEXT');
    // The agent group (list filter `group`). No rebuild needed: no ticket had a group before this column.
    if (!columns.some((c) => c.name === 'group_id')) db.exec('ALTER TABLE rm_tickets ADD COLUMN group_id TEXT');
    db.exec(`
      CREATE INDEX IF NOT EXISTS rm_tickets_application ON rm_tickets (application_id, number);
      CREATE INDEX IF NOT EXISTS rm_tickets_category ON rm_tickets (company_id, category);
      CREATE INDEX IF NOT EXISTS rm_tickets_assignee ON rm_tickets (company_id, assigned_to);
      CREATE INDEX IF NOT EXISTS rm_tickets_group ON rm_tickets (company_id, group_id);
      CREATE INDEX IF NOT EXISTS rm_tickets_updated ON rm_tickets (company_id, updated_at);
    `);
    // How many tickets each combination of the list's filter columns holds: the staff list's totals and filter
    // aggregates read these few rows instead of counting the company's tickets per request. Kept with every
    // change of those columns; a model built before this table existed is counted into it once, here.
    const countsExisted = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rm_ticket_counts'").get() !== undefined;
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_ticket_counts (
        company_id TEXT NOT NULL, application_id TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL,
        category TEXT NOT NULL, assigned_to TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (company_id, application_id, status, priority, category, assigned_to)) WITHOUT ROWID;
    `);
    if (!countsExisted) {
      db.exec(`INSERT INTO rm_ticket_counts (company_id, application_id, status, priority, category, assigned_to, n)
        SELECT company_id, coalesce(application_id, ''), status, priority, category, coalesce(assigned_to, ''), count(*)
        FROM rm_tickets GROUP BY 1, 2, 3, 4, 5, 6`);
    }
    this.stmts = prepare(db);
    this.videoRoom.init(db);
  }

  reset(): void {
    this.stmts.reset();
    this.videoRoom.reset();
  }

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case TicketEventType.TicketCreated:
        return this.created(event as unknown as RecordedEvent<'TicketCreated', TicketCreated['data']>);
      case TicketEventType.TicketNumbersMigrated:
        return this.numbersMigrated(event.data as unknown as TicketNumbersMigrated['data']);
      case TicketEventType.HistoryAppended:
        return this.historyAppended(event as unknown as RecordedEvent<'HistoryAppended', HistoryAppended['data']>);
      case TicketEventType.TicketStatusChanged:
      case TicketEventType.TicketPriorityChanged:
      case TicketEventType.TicketAssigned:
      case TicketEventType.TicketUnassigned:
      case TicketEventType.TicketGroupChanged:
      case TicketEventType.TicketTagsChanged:
      case TicketEventType.TicketCategoryChanged:
      case TicketEventType.TicketContentChanged:
      case TicketEventType.FeedbackSubmitted:
        return this.edited(event, { type: event.type, data: event.data } as unknown as TicketDeskEvent);
      default:
        return this.videoRoom.apply(event); // video_room_id while the ticket's room is open
    }
  }

  private created(event: RecordedEvent<'TicketCreated', TicketCreated['data']>): void {
    const d = event.data;
    if (this.stmts.revision.get(d.id) !== undefined) return; // redelivered
    const number = d.ticket_id !== undefined ? Number(d.ticket_id) : this.legacyNumber(d.company_id);
    const doc = newTicketDoc(d, number);
    const userId = typeof d.created_by.id === 'string' ? d.created_by.id : null;
    this.stmts.insertTicket.run(
      d.id,
      d.company_id,
      d.application_id ?? null,
      number,
      event.revision,
      userId,
      d.status,
      d.priority,
      d.category.key,
      d.created_at,
      d.created_at,
      JSON.stringify(doc),
      d.access_key_sha256 ?? null,
      d.assigned_to?.agent_id ?? null,
      d.group_id ?? null,
    );
    this.count(
      {
        company: d.company_id,
        application: d.application_id ?? '',
        status: d.status,
        priority: d.priority,
        category: d.category.key,
        assignee: d.assigned_to?.agent_id ?? '',
      },
      1,
    );
  }

  /** A ticket created before numbers were recorded: the next of its company in log order, as then. */
  private legacyNumber(companyId: string): number {
    const number = (this.stmts.lastNumber.get(companyId)?.last_number ?? 0) + 1;
    this.stmts.setNumber.run(companyId, number);
    return number;
  }

  /**
   * The numbers a migration recorded win over the ones counted in log order (they differ only where this
   * reader no longer sees a ticket the migration saw). Moved through negative numbers first, so that no two
   * tickets of the company hold one number in between (UNIQUE (company_id, number)).
   */
  private numbersMigrated(d: TicketNumbersMigrated['data']): void {
    let moved = false;
    for (const { id, ticket_id } of d.tickets) {
      const row = this.stmts.ticket.get(id);
      if (!row || row.number === Number(ticket_id)) continue;
      this.stmts.renumber.run(-Number(ticket_id), ticket_id, id);
      this.stmts.renumberHistory.run(ticket_id, id);
      moved = true;
    }
    if (moved) this.stmts.unflip.run(d.company_id);
    const counter = this.stmts.lastNumber.get(d.company_id)?.last_number ?? 0;
    if (d.last > counter) this.stmts.setNumber.run(d.company_id, d.last);
  }

  private count(group: CountGroup, delta: number): void {
    this.stmts.count.run({ ...group, delta });
  }

  private historyAppended(event: RecordedEvent<'HistoryAppended', HistoryAppended['data']>): void {
    const d = event.data;
    const ticket = this.stmts.ticket.get(d.ticket);
    if (!ticket || BigInt(ticket.revision) >= event.revision) return; // unknown or redelivered
    const doc = historyDoc(d, String(ticket.number));
    this.stmts.insertHistory.run(d.id, d.ticket, event.position.commit, JSON.stringify(doc));
    this.stmts.touch.run(event.revision, d.ticket);
  }

  private edited(event: RecordedEvent, edit: TicketDeskEvent): void {
    const row = this.stmts.doc.get(edit.data.ticket);
    if (!row || BigInt(row.revision) >= event.revision) return; // unknown or redelivered
    const before = JSON.parse(row.doc) as TicketDoc;
    const doc = editTicketDoc(before, edit);
    const was = groupOf(before);
    const now = groupOf(doc);
    if (was.status !== now.status || was.priority !== now.priority || was.category !== now.category || was.assignee !== now.assignee) {
      this.count(was, -1);
      this.count(now, 1);
    }
    this.stmts.update.run({
      id: doc._id,
      revision: event.revision,
      status: doc.status.key,
      priority: doc.priority.key,
      category: doc.category.key,
      assigned_to: typeof doc.assigned_to?.agent_id === 'string' ? doc.assigned_to.agent_id : null,
      group_id: doc.group_id ?? null,
      updated_at: doc.updated_at,
      doc: JSON.stringify(doc),
    });
  }
}

/** One row of rm_ticket_counts: the filter columns of a ticket ('' for none). */
interface CountGroup {
  readonly company: string;
  readonly application: string;
  readonly status: string;
  readonly priority: string;
  readonly category: string;
  readonly assignee: string;
}

function groupOf(doc: TicketDoc): CountGroup {
  const agent = doc.assigned_to?.agent_id;
  return {
    company: doc.context.company_id,
    application: doc.context.application_id ?? '',
    status: doc.status.key,
    priority: doc.priority.key,
    category: doc.category.key,
    assignee: typeof agent === 'string' ? agent : '',
  };
}

function prepare(db: SqliteDatabase) {
  return {
    revision: db.prepare<[string], { revision: number }>('SELECT revision FROM rm_tickets WHERE id = ?'),
    ticket: db.prepare<[string], { revision: number; number: number }>('SELECT revision, number FROM rm_tickets WHERE id = ?'),
    lastNumber: db.prepare<[string], { last_number: number }>('SELECT last_number FROM rm_ticket_counters WHERE company_id = ?'),
    setNumber: db.prepare(
      'INSERT INTO rm_ticket_counters (company_id, last_number) VALUES (?, ?) ON CONFLICT (company_id) DO UPDATE SET last_number = excluded.last_number',
    ),
    insertTicket: db.prepare(
      `INSERT INTO rm_tickets (id, company_id, application_id, number, revision, created_by_user, status, priority, category, created_at, updated_at, doc, access_key_sha256, assigned_to, group_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertHistory: db.prepare('INSERT OR IGNORE INTO rm_ticket_history (id, ticket_id, position, doc) VALUES (?, ?, ?, ?)'),
    doc: db.prepare<[string], { revision: number; doc: string }>('SELECT revision, doc FROM rm_tickets WHERE id = ?'),
    update: db.prepare(
      `UPDATE rm_tickets SET revision = @revision, status = @status, priority = @priority, category = @category,
       assigned_to = @assigned_to, group_id = @group_id, updated_at = @updated_at, doc = @doc WHERE id = @id`,
    ),
    renumber: db.prepare("UPDATE rm_tickets SET number = ?, doc = json_set(doc, '$.ticket_id', ?) WHERE id = ?"),
    renumberHistory: db.prepare("UPDATE rm_ticket_history SET doc = json_set(doc, '$.ticket_id', ?) WHERE ticket_id = ?"),
    unflip: db.prepare('UPDATE rm_tickets SET number = -number WHERE company_id = ? AND number < 0'),
    // A history entry changes the ticket's revision only; updated_at follows edits, not comments.
    touch: db.prepare('UPDATE rm_tickets SET revision = ? WHERE id = ?'),
    count: db.prepare(
      `INSERT INTO rm_ticket_counts (company_id, application_id, status, priority, category, assigned_to, n)
       VALUES (@company, @application, @status, @priority, @category, @assignee, @delta)
       ON CONFLICT DO UPDATE SET n = n + excluded.n`,
    ),
    reset: () =>
      db.exec('DELETE FROM rm_tickets; DELETE FROM rm_ticket_counters; DELETE FROM rm_ticket_history; DELETE FROM rm_ticket_counts;'),
  };
}
