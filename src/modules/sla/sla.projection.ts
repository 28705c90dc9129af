import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { SLA_TICKET_EVENT_TYPES, SlaTicketEvent } from './sla.events';
import { TicketSlaState, ticketSlaDecider } from './ticket-sla.decider';
import { slaSummary } from './sla.views';

/**
 * Each ticket's SLA state (`rm_sla`), folded from its `sla-<ticket _id>` stream with the decider's own
 * `evolve`, so a rebuild gives every ticket the same state. `sla_state` and `next_due_at` depend on the
 * events only; the tickets list filters and sorts on them, the scheduler looks for due times in
 * `next_due_at`. A redelivered event (revision not above the row's) changes nothing.
 */
@Injectable()
export class SlaProjection implements Projection {
  readonly name = 'sla';
  readonly version = 1;
  readonly tables = ['rm_sla'];
  /** The event types it acts on: the projection runner gives it no other (and its writes wait only for these). */
  readonly handles = SLA_TICKET_EVENT_TYPES;
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_sla (
        ticket_id TEXT PRIMARY KEY, company_id TEXT NOT NULL, state TEXT NOT NULL, sla_state TEXT,
        next_due_at TEXT, revision INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_sla_due ON rm_sla (next_due_at) WHERE next_due_at IS NOT NULL;
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    if (!SLA_TICKET_EVENT_TYPES.includes(event.type)) return;
    const e = event as unknown as SlaTicketEvent;
    const row = this.stmts.get.get(e.data.ticket);
    if (row && BigInt(row.revision) >= event.revision) return; // redelivered
    const before = row ? (JSON.parse(row.state) as TicketSlaState) : ticketSlaDecider.initialState;
    const state = ticketSlaDecider.evolve(before, e);
    const summary = slaSummary(state);
    this.stmts.upsert.run({
      ticket: e.data.ticket,
      company: state.company_id ?? '',
      state: JSON.stringify(state),
      sla_state: summary?.state ?? null,
      due: summary?.next_due_at ?? null,
      revision: event.revision,
    });
  }
}

function prepare(db: SqliteDatabase) {
  return {
    get: db.prepare<[string], { state: string; revision: number }>('SELECT state, revision FROM rm_sla WHERE ticket_id = ?'),
    upsert: db.prepare(`INSERT INTO rm_sla (ticket_id, company_id, state, sla_state, next_due_at, revision)
      VALUES (@ticket, @company, @state, @sla_state, @due, @revision)
      ON CONFLICT (ticket_id) DO UPDATE SET company_id = excluded.company_id, state = excluded.state,
        sla_state = excluded.sla_state, next_due_at = excluded.next_due_at, revision = excluded.revision`),
    reset: () => db.exec('DELETE FROM rm_sla'),
  };
}
