import { Inject, Injectable } from '@nestjs/common';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { StatementCache } from '../../platform/sqlite/statement-cache';
import { ExtraHistoryEntry } from '../tickets';
import { TicketSlaState } from './ticket-sla.decider';

/** Reads of `rm_sla` (SlaProjection) and `rm_sla_history` (SlaHistoryProjection). */
@Injectable()
export class SlaQueries {
  private readonly sql: StatementCache;

  constructor(@Inject(SQLITE_DB) db: SqliteDatabase) {
    this.sql = new StatementCache(db);
  }

  /** The SLA states of these tickets (those that have one). */
  statesOf(ticketIds: readonly string[]): Map<string, TicketSlaState> {
    const out = new Map<string, TicketSlaState>();
    if (ticketIds.length === 0) return out;
    const rows = this.sql
      .get<[string], { ticket_id: string; state: string }>(
        'SELECT ticket_id, state FROM rm_sla WHERE ticket_id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(ticketIds));
    for (const r of rows) out.set(r.ticket_id, JSON.parse(r.state) as TicketSlaState);
    return out;
  }

  /** Tickets with a running, unbreached target due at or before `cutoff` (ISO), earliest first. */
  dueBy(cutoff: string, limit: number): string[] {
    return this.sql
      .get<[string, number], { ticket_id: string }>(
        'SELECT ticket_id FROM rm_sla WHERE next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at LIMIT ?',
      )
      .all(cutoff, limit)
      .map((r) => r.ticket_id);
  }

  /** How many SLA `log` entries the ticket's history has. */
  countHistory(ticketId: string): number {
    return this.sql.get<[string], { n: number }>('SELECT count(*) AS n FROM rm_sla_history WHERE ticket_id = ?').get(ticketId)!.n;
  }

  /** The ticket's first `n` SLA `log` entries, oldest first (at equal times, in log order). */
  firstHistory(ticketId: string, n: number): ExtraHistoryEntry[] {
    return this.sql
      .get<[string, number], { doc: string }>('SELECT doc FROM rm_sla_history WHERE ticket_id = ? ORDER BY at_ms, position LIMIT ?')
      .all(ticketId, n)
      .map((r) => JSON.parse(r.doc) as ExtraHistoryEntry);
  }
}
