import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../../platform/event-store/event-store.port';
import { Projection } from '../../../platform/projections/projection';
import { SqliteDatabase } from '../../../platform/sqlite/sqlite-database';
import { FeedbackSubmitted, TicketContentChanged } from '../ticket.events';
import { TicketContent, TicketCreated, TicketEventType } from '../ticket.events';

/**
 * The staff desk's own read models: a full-text index of ticket titles and descriptions (SQLite FTS5) and the
 * feedback given on tickets. One projection for both, so a write costs one more transaction, not two.
 * Idempotent: the index remembers the stream revision it holds per ticket; feedback rows are keyed by id.
 */
@Injectable()
export class DeskProjection implements Projection {
  readonly name = 'desk';
  readonly version = 1;
  readonly tables = ['rm_ticket_search', 'rm_ticket_search_rows', 'rm_ticket_feedback'];
  /** The full-text index is the costly one: fed after the commit, from the log read shared by async models. */
  readonly lifecycle = 'async' as const;
  /** A write does not wait for the index: a search (or feedback list) waits until it shows this instance's writes. */
  readonly awaitedBy = 'read' as const;
  readonly handles = [TicketEventType.TicketCreated, TicketEventType.TicketContentChanged, TicketEventType.FeedbackSubmitted];
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE VIRTUAL TABLE IF NOT EXISTS rm_ticket_search
        USING fts5(title, description, tokenize = 'unicode61 remove_diacritics 2');
      CREATE TABLE IF NOT EXISTS rm_ticket_search_rows (
        ticket_id TEXT PRIMARY KEY, search_rowid INTEGER NOT NULL UNIQUE, revision INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS rm_ticket_feedback (
        id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_ticket_feedback_ticket ON rm_ticket_feedback (ticket_id, position);
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case TicketEventType.TicketCreated: {
        const d = event.data as unknown as TicketCreated['data'];
        return this.index(d.id, d.content, event.revision);
      }
      case TicketEventType.TicketContentChanged: {
        const d = event.data as unknown as TicketContentChanged['data'];
        return this.index(d.ticket, d.content, event.revision);
      }
      case TicketEventType.FeedbackSubmitted: {
        const d = event.data as unknown as FeedbackSubmitted['data'];
        this.stmts.insertFeedback.run(d.id, d.ticket, event.position.commit, JSON.stringify(d));
      }
    }
  }

  private index(ticketId: string, content: TicketContent, revision: bigint): void {
    const row = this.stmts.row.get(ticketId);
    if (row && BigInt(row.revision) >= revision) return; // redelivered
    const description = searchableText(content.description);
    if (row) {
      this.stmts.updateText.run(content.title, description, row.search_rowid);
      this.stmts.setRevision.run(revision, ticketId);
    } else {
      const rowid = this.stmts.insertText.run(content.title, description).lastInsertRowid;
      this.stmts.insertRow.run(ticketId, rowid, revision);
    }
  }
}

/** Descriptions of form tickets are HTML (`<b>Email</b>: …<br>`): index the words, not the tags. */
export function searchableText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&(?:[a-z]+|#\d+);/gi, ' ');
}

function prepare(db: SqliteDatabase) {
  return {
    row: db.prepare<[string], { search_rowid: number; revision: number }>(
      'SELECT search_rowid, revision FROM rm_ticket_search_rows WHERE ticket_id = ?',
    ),
    insertText: db.prepare('INSERT INTO rm_ticket_search (title, description) VALUES (?, ?)'),
    updateText: db.prepare('UPDATE rm_ticket_search SET title = ?, description = ? WHERE rowid = ?'),
    insertRow: db.prepare('INSERT INTO rm_ticket_search_rows (ticket_id, search_rowid, revision) VALUES (?, ?, ?)'),
    setRevision: db.prepare('UPDATE rm_ticket_search_rows SET revision = ? WHERE ticket_id = ?'),
    insertFeedback: db.prepare('INSERT OR IGNORE INTO rm_ticket_feedback (id, ticket_id, position, doc) VALUES (?, ?, ?, ?)'),
    reset: () => db.exec('DELETE FROM rm_ticket_search; DELETE FROM rm_ticket_search_rows; DELETE FROM rm_ticket_feedback;'),
  };
}
