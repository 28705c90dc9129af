import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { Finding } from './stream-audit';

/** What the SQLite adapter's own tables say the log must look like (invariants below the port). */
export interface SqliteLogFacts {
  /** es_streams: the revision each stream's last event must have. */
  readonly lastRevisions: Map<string, bigint>;
  readonly findings: Finding[];
}

const MAX_LISTED = 20;

/**
 * Positions are handed out by one AUTOINCREMENT counter inside the append transaction, and a rolled-back
 * append rolls the counter back too, so a sound log holds every position from 1 to the counter's value.
 * A hole means a removed event; a counter above the last position means events removed from the end.
 */
export function sqliteLogFacts(db: SqliteDatabase): SqliteLogFacts {
  const findings: Finding[] = [];
  const range = db
    .prepare('SELECT count(*) AS n, min(global_position) AS lo, max(global_position) AS hi FROM es_events')
    .safeIntegers()
    .get() as {
    n: bigint;
    lo: bigint | null;
    hi: bigint | null;
  };
  if (range.hi !== null && (range.lo !== 1n || range.n !== range.hi)) {
    const holes = db
      .prepare(
        `SELECT 1 AS start, (SELECT min(global_position) FROM es_events) - 1 AS stop WHERE (SELECT min(global_position) FROM es_events) > 1
         UNION ALL
         SELECT e.global_position + 1, (SELECT min(n.global_position) FROM es_events n WHERE n.global_position > e.global_position) - 1
         FROM es_events e
         WHERE e.global_position < ? AND NOT EXISTS (SELECT 1 FROM es_events n WHERE n.global_position = e.global_position + 1)
         LIMIT ${MAX_LISTED}`,
      )
      .safeIntegers()
      .all(range.hi) as { start: bigint; stop: bigint }[];
    for (const h of holes) {
      const span = h.start === h.stop ? `position ${h.start} is` : `positions ${h.start}..${h.stop} are`;
      findings.push({ check: 'positions', position: String(h.start), reason: `${span} missing from the global log: events were removed` });
    }
  }
  const counter = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'es_events'").safeIntegers().get() as
    { seq: bigint } | undefined;
  const last = range.hi ?? 0n;
  if (counter && counter.seq > last) {
    const reason = `positions up to ${counter.seq} were handed out but the log ends at ${last}: events were removed from its end`;
    findings.push({ check: 'positions', position: String(last + 1n), reason });
  }
  const rows = db.prepare('SELECT stream_id, revision FROM es_streams').safeIntegers().all() as { stream_id: string; revision: bigint }[];
  return { lastRevisions: new Map(rows.map((r) => [r.stream_id, BigInt(r.revision)])), findings };
}
