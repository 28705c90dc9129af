import { EventStore, Position, countEventsAfter } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { ParkedEvent, ParkedEvents } from './parked-events';
import { Projection } from './projection';
import { leaseIsFree } from './rebuild-lease';

/** Lag is counted up to this many events; more reads as "at least". */
export const LAG_COUNT_LIMIT = 1_000_000;

export interface ProjectionReport {
  readonly name: string;
  /** The version this build of the code has; `storedVersion` is the live model's. */
  readonly version: number | null;
  readonly storedVersion: number | null;
  readonly generation: number | null;
  readonly position: string | null;
  /** Events in the log after the live model's position. */
  readonly lag: number;
  /** The event the projection is halted on, with the error (policy `halt`). */
  readonly halted: string | null;
  readonly parked: ParkedEvent[];
  readonly rebuild: null | {
    readonly version: number;
    readonly generation: number;
    readonly position: string | null;
    readonly lag: number;
    readonly owner: string | null;
    /** No live owner holds it: running `replay`/`rebuild-all` (or the service, for a new version) continues it. */
    readonly resumable: boolean;
    readonly error: string | null;
    readonly startedAt: string;
  };
}

const text = (p: Position | undefined) => (p ? String(p.commit) : null);

/** Every projection this code knows and every one the database remembers, read from the database (any process). */
export async function projectionReport(
  store: EventStore,
  db: SqliteDatabase,
  projections: readonly Projection[],
): Promise<ProjectionReport[]> {
  const checkpoints = new CheckpointStore(db);
  const parked = new ParkedEvents(db);
  const names = [...new Set([...projections.map((p) => p.name), ...checkpoints.list().map((c) => c.name)])].sort();
  return Promise.all(
    names.map(async (name) => {
      const live = checkpoints.get(name);
      const rebuild = checkpoints.rebuild(name);
      return {
        name,
        version: projections.find((p) => p.name === name)?.version ?? null,
        storedVersion: live?.version ?? null,
        generation: live?.generation ?? null,
        position: text(live?.position),
        lag: await countEventsAfter(store, live?.position, LAG_COUNT_LIMIT),
        halted: live?.lastError ?? null,
        parked: live ? parked.list(name, live.generation) : [],
        rebuild: rebuild
          ? {
              version: rebuild.version,
              generation: rebuild.generation,
              position: text(rebuild.position),
              lag: await countEventsAfter(store, rebuild.position, LAG_COUNT_LIMIT),
              owner: rebuild.owner,
              resumable: leaseIsFree(rebuild),
              error: rebuild.lastError ?? null,
              startedAt: rebuild.startedAt,
            }
          : null,
      };
    }),
  );
}

export function printReport(reports: readonly ProjectionReport[], print: (line: string) => void): void {
  const rows = [['projection', 'version', 'generation', 'position', 'lag', 'parked', 'state']];
  for (const r of reports) {
    const version =
      r.version !== null && r.storedVersion !== r.version
        ? `${r.storedVersion ?? '-'} (code ${r.version})`
        : String(r.storedVersion ?? '-');
    const state = r.halted ? 'HALTED' : r.version === null ? 'unknown to this code' : r.storedVersion === null ? 'not started' : 'ok';
    rows.push([r.name, version, String(r.generation ?? '-'), r.position ?? '-', String(r.lag), String(r.parked.length), state]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    print(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  for (const r of reports) {
    if (r.halted)
      print(
        `\n${r.name} is halted on ${r.halted}\n  fix the cause and it resumes by itself, or park that event: npm run projections -- skip ${r.name}`,
      );
    if (r.rebuild) {
      const b = r.rebuild;
      const who = b.resumable ? 'nobody runs it now: `npm run projections -- replay ' + r.name + '` continues it' : `built by ${b.owner}`;
      print(
        `\n${r.name}: rebuilding generation ${b.generation} (version ${b.version}) since ${b.startedAt}: position ${b.position ?? '-'}, ${b.lag} events behind; ${who}`,
      );
      if (b.error) print(`  halted on ${b.error}`);
    }
    for (const p of r.parked)
      print(
        `${r.name}: parked ${p.type} ${p.eventId} at position ${p.position} (${p.stream}@${p.revision}), ${p.attempts} attempt(s): ${p.error}`,
      );
  }
}
