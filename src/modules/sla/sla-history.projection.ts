import { SLA_TICKET_EVENT_TYPES } from './sla.events';
import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { slaHistoryEntry } from './sla-history';

/**
 * The `log` entries that SLA events add to their ticket's staff history (`rm_sla_history`), one row per SLA
 * event that has one (slaHistoryEntry), in time order per ticket (`at_ms`, then log position). The tickets
 * module merges them into the history it serves (StaffHistoryEntries) without following `sla-*` streams.
 * Its own projection, not a table of `sla`: a new model is built in place, and the served `sla` model need
 * not change version. A redelivered event (same event id) changes nothing.
 */
@Injectable()
export class SlaHistoryProjection implements Projection {
  readonly name = 'sla-history';
  /** Only the SLA timeline's events (sla-history.ts reads no other): ticket writes do not wait for it. */
  readonly handles = SLA_TICKET_EVENT_TYPES;
  readonly version = 1;
  readonly tables = ['rm_sla_history'];
  readonly onError = 'skip-and-park' as const;
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_sla_history (
        id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, at_ms INTEGER NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_sla_history_ticket ON rm_sla_history (ticket_id, at_ms, position);
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    const entry = slaHistoryEntry(event);
    if (!entry) return;
    const ticket = (event.data as { ticket: string }).ticket;
    this.stmts.insert.run(event.id, ticket, Date.parse(entry.created_at), event.position.commit, JSON.stringify(entry));
  }
}

function prepare(db: SqliteDatabase) {
  return {
    insert: db.prepare('INSERT OR IGNORE INTO rm_sla_history (id, ticket_id, at_ms, position, doc) VALUES (?, ?, ?, ?, ?)'),
    reset: () => db.exec('DELETE FROM rm_sla_history'),
  };
}
