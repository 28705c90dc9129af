import { Position } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

/** Where a projection's live generation stands. */
export interface Checkpoint {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly position: Position | undefined;
  /** Set while the projection is halted on an event (policy `halt`); cleared by the next applied batch. */
  readonly lastError: string | undefined;
  readonly updatedAt: string;
}

/** A generation being built beside the live one, and which process builds it (a lease, renewed each batch). */
export interface Rebuild {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly position: Position | undefined;
  readonly owner: string | null;
  readonly heartbeatAt: number;
  readonly lastError: string | undefined;
  readonly startedAt: string;
}

interface PositionRow {
  commit_pos: bigint | null;
  prepare_pos: bigint | null;
}

const toPosition = (r: PositionRow): Position | undefined =>
  r.commit_pos === null || r.prepare_pos === null ? undefined : { commit: BigInt(r.commit_pos), prepare: BigInt(r.prepare_pos) };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name TEXT PRIMARY KEY, version INTEGER NOT NULL, commit_pos INTEGER, prepare_pos INTEGER,
    last_error TEXT, updated_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS projection_rebuilds (
    name TEXT PRIMARY KEY, version INTEGER NOT NULL, generation INTEGER NOT NULL, commit_pos INTEGER, prepare_pos INTEGER,
    owner TEXT, heartbeat_at INTEGER NOT NULL, last_error TEXT, started_at TEXT NOT NULL);
`;

/**
 * Projection positions, in the same SQLite file (and so the same transactions) as the read models. Every save
 * names the generation (and, for a rebuild, the owner) it expects: when another process has switched
 * generations or taken the rebuild over meanwhile, the save changes nothing and `save*` returns false, so
 * the caller's transaction is rolled back instead of writing over the other's work.
 */
export class CheckpointStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('projection_checkpoints')`).all();
    if (!columns.some((c) => c.name === 'generation')) {
      db.exec('ALTER TABLE projection_checkpoints ADD COLUMN generation INTEGER NOT NULL DEFAULT 1');
    }
    const now = () => new Date().toISOString();
    const get = db
      .prepare<[string], Record<string, unknown> & PositionRow>('SELECT * FROM projection_checkpoints WHERE name = ?')
      .safeIntegers();
    const list = db.prepare<[], Record<string, unknown> & PositionRow>('SELECT * FROM projection_checkpoints ORDER BY name').safeIntegers();
    const rebuild = db
      .prepare<[string], Record<string, unknown> & PositionRow>('SELECT * FROM projection_rebuilds WHERE name = ?')
      .safeIntegers();
    const rebuilds = db
      .prepare<[], Record<string, unknown> & PositionRow>('SELECT * FROM projection_rebuilds ORDER BY name')
      .safeIntegers();
    this.stmts = {
      get: (name: string) => get.get(name),
      list: () => list.all(),
      rebuild: (name: string) => rebuild.get(name),
      rebuilds: () => rebuilds.all(),
      create: db.prepare(`INSERT OR IGNORE INTO projection_checkpoints (name, version, generation, updated_at) VALUES (?, ?, 1, ?)`),
      save: db.prepare(`UPDATE projection_checkpoints SET commit_pos = @commit, prepare_pos = @prepare, last_error = NULL, updated_at = @now
        WHERE name = @name AND generation = @generation AND version = @version`),
      error: db.prepare('UPDATE projection_checkpoints SET last_error = ?, updated_at = ? WHERE name = ?'),
      promote: db.prepare(`UPDATE projection_checkpoints SET version = @version, generation = @generation, commit_pos = @commit,
        prepare_pos = @prepare, last_error = NULL, updated_at = @now WHERE name = @name`),
      startRebuild: db.prepare(`INSERT OR REPLACE INTO projection_rebuilds (name, version, generation, owner, heartbeat_at, started_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      claim: db.prepare('UPDATE projection_rebuilds SET owner = ?, heartbeat_at = ? WHERE name = ? AND generation = ?'),
      saveRebuild:
        db.prepare(`UPDATE projection_rebuilds SET commit_pos = @commit, prepare_pos = @prepare, heartbeat_at = @at, last_error = NULL
        WHERE name = @name AND generation = @generation AND owner = @owner`),
      rebuildError: db.prepare('UPDATE projection_rebuilds SET last_error = ?, heartbeat_at = ? WHERE name = ? AND owner = ?'),
      release: db.prepare('UPDATE projection_rebuilds SET owner = NULL WHERE name = ? AND owner = ?'),
      endRebuild: db.prepare('DELETE FROM projection_rebuilds WHERE name = ?'),
      now,
    };
  }

  get(name: string): Checkpoint | undefined {
    const row = this.stmts.get(name);
    return row && toCheckpoint(row);
  }

  list(): Checkpoint[] {
    return this.stmts.list().map(toCheckpoint);
  }

  /** The first checkpoint of a projection never seen before: generation 1, nothing applied. */
  create(name: string, version: number): void {
    this.stmts.create.run(name, version, this.stmts.now());
  }

  save(name: string, version: number, generation: number, position: Position): boolean {
    return (
      this.stmts.save.run({ name, version, generation, commit: position.commit, prepare: position.prepare, now: this.stmts.now() })
        .changes === 1
    );
  }

  /** Best effort: the disk may be what failed, and the runner must go on retrying either way. */
  recordError(name: string, error: string): void {
    try {
      this.stmts.error.run(error, this.stmts.now(), name);
    } catch {
      // Not recorded; the runner logs the error itself.
    }
  }

  /** The live generation becomes `rebuild`'s; the rebuild row goes. Call inside the switching transaction. */
  promote(rebuild: Rebuild): void {
    const p = rebuild.position;
    this.stmts.promote.run({
      name: rebuild.name,
      version: rebuild.version,
      generation: rebuild.generation,
      commit: p?.commit ?? null,
      prepare: p?.prepare ?? null,
      now: this.stmts.now(),
    });
    this.stmts.endRebuild.run(rebuild.name);
  }

  rebuild(name: string): Rebuild | undefined {
    const row = this.stmts.rebuild(name);
    return row && toRebuild(row);
  }

  rebuilds(): Rebuild[] {
    return this.stmts.rebuilds().map(toRebuild);
  }

  startRebuild(name: string, version: number, generation: number, owner: string): void {
    this.stmts.startRebuild.run(name, version, generation, owner, Date.now(), this.stmts.now());
  }

  claimRebuild(name: string, generation: number, owner: string): void {
    this.stmts.claim.run(owner, Date.now(), name, generation);
  }

  saveRebuild(name: string, generation: number, owner: string, position: Position): boolean {
    return (
      this.stmts.saveRebuild.run({ name, generation, owner, commit: position.commit, prepare: position.prepare, at: Date.now() })
        .changes === 1
    );
  }

  recordRebuildError(name: string, owner: string, error: string): void {
    this.stmts.rebuildError.run(error, Date.now(), name, owner);
  }

  /** Lets another process continue the rebuild at once (after Ctrl-C or a shutdown). */
  releaseRebuild(name: string, owner: string): void {
    this.stmts.release.run(name, owner);
  }

  endRebuild(name: string): void {
    this.stmts.endRebuild.run(name);
  }
}

function toCheckpoint(row: Record<string, unknown> & PositionRow): Checkpoint {
  return {
    name: row.name as string,
    version: Number(row.version),
    generation: Number(row.generation),
    position: toPosition(row),
    lastError: (row.last_error as string | null) ?? undefined,
    updatedAt: row.updated_at as string,
  };
}

function toRebuild(row: Record<string, unknown> & PositionRow): Rebuild {
  return {
    name: row.name as string,
    version: Number(row.version),
    generation: Number(row.generation),
    position: toPosition(row),
    owner: (row.owner as string | null) ?? null,
    heartbeatAt: Number(row.heartbeat_at),
    lastError: (row.last_error as string | null) ?? undefined,
    startedAt: row.started_at as string,
  };
}
