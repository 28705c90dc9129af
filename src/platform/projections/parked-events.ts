import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

export interface ParkedEvent {
  readonly projection: string;
  readonly generation: number;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: bigint;
  readonly position: string;
  readonly type: string;
  readonly error: string;
  readonly parkedAt: string;
  readonly attempts: number;
}

/**
 * Events a projection could not apply and went past (policy `skip-and-park`), per generation of its model:
 * a rebuild applies every event again, so what the new generation parks replaces what the old one had.
 */
export class ParkedEvents {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS projection_parked (
      projection TEXT NOT NULL, generation INTEGER NOT NULL, event_id TEXT NOT NULL, stream TEXT NOT NULL,
      revision INTEGER NOT NULL, position TEXT NOT NULL, type TEXT NOT NULL, error TEXT NOT NULL,
      parked_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
      PRIMARY KEY (projection, generation, event_id))`);
    this.stmts = {
      park: db.prepare(`INSERT INTO projection_parked (projection, generation, event_id, stream, revision, position, type, error, parked_at)
        VALUES (@projection, @generation, @id, @stream, @revision, @position, @type, @error, @at)
        ON CONFLICT (projection, generation, event_id) DO UPDATE SET error = excluded.error, attempts = attempts + 1`),
      list: db
        .prepare<[string, number], Record<string, unknown>>(
          'SELECT * FROM projection_parked WHERE projection = ? AND generation = ? ORDER BY parked_at, revision',
        )
        .safeIntegers(),
      has: db.prepare<[string, number, string], { n: number }>(
        'SELECT 1 AS n FROM projection_parked WHERE projection = ? AND generation = ? AND event_id = ?',
      ),
      count: db.prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM projection_parked WHERE projection = ? AND generation = ?',
      ),
      unpark: db.prepare('DELETE FROM projection_parked WHERE projection = ? AND generation = ? AND event_id = ?'),
      dropGeneration: db.prepare('DELETE FROM projection_parked WHERE projection = ? AND generation = ?'),
      dropOlder: db.prepare('DELETE FROM projection_parked WHERE projection = ? AND generation < ?'),
    };
  }

  park(projection: string, generation: number, event: RecordedEvent, error: string): void {
    this.stmts.park.run({
      projection,
      generation,
      id: event.id,
      stream: event.streamName,
      revision: event.revision,
      position: String(event.position.commit),
      type: event.type,
      error,
      at: new Date().toISOString(),
    });
  }

  has(projection: string, generation: number, eventId: string): boolean {
    return this.stmts.has.get(projection, generation, eventId) !== undefined;
  }

  count(projection: string, generation: number): number {
    return this.stmts.count.get(projection, generation)!.n;
  }

  list(projection: string, generation: number): ParkedEvent[] {
    return this.stmts.list.all(projection, generation).map((r) => ({
      projection: r.projection as string,
      generation: Number(r.generation),
      eventId: r.event_id as string,
      stream: r.stream as string,
      revision: BigInt(r.revision as bigint),
      position: r.position as string,
      type: r.type as string,
      error: r.error as string,
      parkedAt: r.parked_at as string,
      attempts: Number(r.attempts),
    }));
  }

  unpark(projection: string, generation: number, eventId: string): void {
    this.stmts.unpark.run(projection, generation, eventId);
  }

  /** A build of `generation` starts over: what it parked before is forgotten. */
  dropGeneration(projection: string, generation: number): void {
    this.stmts.dropGeneration.run(projection, generation);
  }

  /** `generation` went live: the older generations' parked events are gone with their tables. */
  dropOlderThan(projection: string, generation: number): void {
    this.stmts.dropOlder.run(projection, generation);
  }
}
