import { Position } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

export interface Checkpoint {
  readonly name: string;
  readonly version: number;
  readonly position: Position | undefined;
  readonly lastError: string | undefined;
  readonly updatedAt: string;
}

interface Row {
  name: string;
  version: number | bigint;
  commit_pos: bigint | null;
  prepare_pos: bigint | null;
  last_error: string | null;
  updated_at: string;
}

/** Projection positions, in the same SQLite file (and so the same transactions) as the read models. */
export class CheckpointStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name TEXT PRIMARY KEY, version INTEGER NOT NULL, commit_pos INTEGER, prepare_pos INTEGER,
      last_error TEXT, updated_at TEXT NOT NULL)`);
    this.stmts = {
      get: db.prepare<[string], Row>('SELECT * FROM projection_checkpoints WHERE name = ?').safeIntegers(),
      list: db.prepare<[], Row>('SELECT * FROM projection_checkpoints ORDER BY name').safeIntegers(),
      save: db.prepare(`INSERT INTO projection_checkpoints (name, version, commit_pos, prepare_pos, last_error, updated_at)
        VALUES (@name, @version, @commit, @prepare, NULL, @now)
        ON CONFLICT (name) DO UPDATE SET version = excluded.version, commit_pos = excluded.commit_pos,
          prepare_pos = excluded.prepare_pos, last_error = NULL, updated_at = excluded.updated_at`),
      error: db.prepare('UPDATE projection_checkpoints SET last_error = ?, updated_at = ? WHERE name = ?'),
      remove: db.prepare('DELETE FROM projection_checkpoints WHERE name = ?'),
    };
  }

  get(name: string): Checkpoint | undefined {
    const row = this.stmts.get.get(name);
    return row && toCheckpoint(row);
  }

  list(): Checkpoint[] {
    return this.stmts.list.all().map(toCheckpoint);
  }

  save(name: string, version: number, position: Position | undefined): void {
    this.stmts.save.run({ name, version, commit: position?.commit ?? null, prepare: position?.prepare ?? null, now: new Date().toISOString() });
  }

  /** Best effort: the disk may be what failed, and the runner must go on retrying either way. */
  recordError(name: string, error: string): void {
    try {
      this.stmts.error.run(error, new Date().toISOString(), name);
    } catch {
      // Not recorded; the runner logs the error itself.
    }
  }

  remove(name: string): void {
    this.stmts.remove.run(name);
  }
}

function toCheckpoint(row: Row): Checkpoint {
  return {
    name: row.name,
    version: Number(row.version),
    position: row.commit_pos === null || row.prepare_pos === null ? undefined : { commit: BigInt(row.commit_pos), prepare: BigInt(row.prepare_pos) },
    lastError: row.last_error ?? undefined,
    updatedAt: row.updated_at,
  };
}
