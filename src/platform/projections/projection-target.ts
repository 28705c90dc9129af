import { Position, RecordedEvent, comparePositions } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { liveNames, promoteGeneration, renamingDatabase, shadowNames } from './generations';
import { ParkedEvents } from './parked-events';
import { Projection } from './projection';

/** Another process switched the projection's generation or took its rebuild over: set up again from the database. */
export class MovedError extends Error {}

/** The projection stopped on an event it cannot apply (policy `halt`); the runner retries it with backoff. */
export class HaltedError extends Error {}

export interface Ledger {
  readonly db: SqliteDatabase;
  readonly checkpoints: CheckpointStore;
  readonly parked: ParkedEvents;
}

// The database could not do the work (locked, disk full, I/O): not the event's fault, so never parked; retried.
const STORAGE_FAULT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|INTERRUPT|PROTOCOL)/;
const storageFault = (error: unknown) => STORAGE_FAULT.test(String((error as { code?: unknown })?.code ?? ''));
/**
 * Runs a projection batch with synchronous=NORMAL: its commit skips the fsync. A read model can always be
 * applied again from the log, and the WAL is written in order, so the next FULL commit (the next append)
 * makes it durable too; a crash before that loses the batch and its checkpoint together. The events
 * themselves keep synchronous=FULL: an append is on disk before the request is answered.
 */
function relaxedSync<T>(db: SqliteDatabase, work: () => T): T {
  const level = db.inTransaction ? 0 : (db.pragma('synchronous', { simple: true }) as number);
  if (level > 1) db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    if (level > 1) db.pragma(`synchronous = ${level}`);
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
export const describeEvent = (e: RecordedEvent) => `${e.type} ${e.id} at position ${e.position.commit} (${e.streamName}@${e.revision})`;

/**
 * One generation of one projection, fed in this process: the live one (plain table names, checkpoint in
 * `projection_checkpoints`) or one being built beside it (suffixed names, position in `projection_rebuilds`,
 * under this process's lease). A batch is one transaction with its position; an event that throws is handled
 * by the projection's policy, the events before it are kept.
 */
export class ProjectionTarget {
  halted: string | undefined;
  /** The projection's `handles` as a set; undefined = every type. */
  private readonly handles: ReadonlySet<string> | undefined;

  constructor(
    private readonly ledger: Ledger,
    readonly projection: Projection,
    readonly kind: 'live' | 'rebuild',
    readonly version: number,
    readonly generation: number,
    public position: Position | undefined,
    /** The rebuild lease this process holds. */
    readonly owner?: string,
  ) {
    this.handles = projection.handles ? new Set(projection.handles) : undefined;
  }

  /** Whether the projection acts on this event (by its type alone). */
  handled(event: RecordedEvent): boolean {
    return this.handles === undefined || this.handles.has(event.type);
  }

  /**
   * Inline, inside an append's transaction: applies the events this projection handles (the caller has made
   * sure it had applied everything before them). `isolated`: in a savepoint of its own, so that a failure takes
   * back only this model's rows and the append can go on without them (`skip-and-park`); otherwise a failure
   * takes the append back with it (`halt`). Rethrows what `apply` throws. The checkpoint is saved once per
   * group commit (`saveInline`). Returns whether it handled any of them.
   */
  applyInline(events: readonly RecordedEvent[], isolated: boolean): boolean {
    const handled = this.handles === undefined ? events : events.filter((e) => this.handles!.has(e.type));
    if (handled.length === 0) return false;
    const work = () => {
      for (const event of handled) this.projection.apply(event);
    };
    if (isolated) this.ledger.db.transaction(work)();
    else work();
    return true;
  }

  /**
   * Inline, under the group commit's write lock: where this generation stands in the database (another process
   * on the same file may have moved it), or `false` when it is no longer the live one (switched by the CLI).
   */
  storedPosition(): Position | undefined | false {
    const live = this.ledger.checkpoints.get(this.projection.name);
    if (live?.generation !== this.generation || live.version !== this.version) return false;
    return live.position;
  }

  /** Inline: the checkpoint, in the group commit's transaction. */
  saveInline(position: Position): void {
    this.save(position);
  }

  /** Points the projection's statements at this generation's tables (creating them when new). */
  activate(): void {
    const { db } = this.ledger;
    const names = this.kind === 'live' ? liveNames(db, this.projection) : shadowNames(db, this.projection, this.generation);
    this.projection.init(renamingDatabase(db, names));
  }

  applyBatch(events: readonly RecordedEvent[]): void {
    const fresh = this.position === undefined ? events : events.filter((e) => comparePositions(e.position, this.position!) > 0);
    if (fresh.length === 0) return;
    let failedAt = -1;
    let failure: unknown;
    let reached: Position | undefined;
    try {
      relaxedSync(this.ledger.db, () =>
        this.ledger.db
          .transaction(() => {
            // Another process on the same file (inline or fed) may have applied some of these already: skip them.
            const stored = this.kind === 'live' ? this.ledger.checkpoints.get(this.projection.name)?.position : undefined;
            for (let i = 0; i < fresh.length; i++) {
              if (!this.handled(fresh[i]) || (stored && comparePositions(fresh[i].position, stored) <= 0)) continue; // the checkpoint still moves past it
              try {
                this.projection.apply(fresh[i]);
              } catch (error) {
                [failedAt, failure] = [i, error];
                throw error;
              }
            }
            const last = fresh[fresh.length - 1].position;
            reached = stored && comparePositions(stored, last) > 0 ? stored : last;
            this.save(reached);
          })
          .immediate(),
      ); // write lock first: reading then writing beside another writing process fails otherwise
      this.position = reached;
      this.halted = undefined;
      return;
    } catch (error) {
      // Not the projection's doing (moved, locked, disk): the caller retries the batch.
      if (failedAt < 0 || storageFault(failure)) throw error;
    }
    if (failedAt > 0) this.applyBatch(fresh.slice(0, failedAt)); // keep what came before the poison
    this.poisoned(fresh[failedAt], failure);
    this.applyBatch(fresh.slice(failedAt + 1));
  }

  private poisoned(event: RecordedEvent, failure: unknown): void {
    const { parked, checkpoints, db } = this.ledger;
    const message = `${describeEvent(event)}: ${errorText(failure)}`;
    const name = this.projection.name;
    // An operator may park the event a halted projection is stuck on (`projections -- skip`): go past it.
    if ((this.projection.onError ?? 'halt') === 'skip-and-park' || parked.has(name, this.generation, event.id)) {
      db.transaction(() => {
        parked.park(name, this.generation, event, errorText(failure));
        this.save(event.position);
      }).immediate();
      this.position = event.position;
      return;
    }
    this.halted = message;
    if (this.kind === 'live') checkpoints.recordError(name, message);
    else checkpoints.recordRebuildError(name, this.owner!, message);
    throw new HaltedError(`${name} halted on ${message}`);
  }

  private save(position: Position): void {
    const { checkpoints } = this.ledger;
    const name = this.projection.name;
    const saved =
      this.kind === 'live'
        ? checkpoints.save(name, this.version, this.generation, position)
        : checkpoints.saveRebuild(name, this.generation, this.owner!, position);
    if (!saved) throw new MovedError(`${name}: generation ${this.generation} was switched or taken over by another process`);
  }

  /**
   * For a rebuild that has caught up: in one transaction, drop the live tables, rename this generation's to
   * the plain names and move the checkpoint. Readers see the old model or the new one, never a mix or
   * nothing. Returns false (and changes nothing) while the live model has applied more than this one.
   */
  /**
   * `liveAheadOfLog`: the caller has read the whole log under the write lock, so a live model still ahead of
   * this one is ahead of the log itself (its tail was cut, the store replaced): replace it rather than wait.
   */
  promote(options: { liveAheadOfLog?: boolean } = {}): ProjectionTarget | undefined {
    const { db, checkpoints, parked } = this.ledger;
    const name = this.projection.name;
    return db
      .transaction(() => {
        const live = checkpoints.get(name);
        const rebuild = checkpoints.rebuild(name);
        if (!live || !rebuild || rebuild.owner !== this.owner || rebuild.generation !== this.generation) {
          throw new MovedError(`${name}: the rebuild of generation ${this.generation} was taken over by another process`);
        }
        if (!options.liveAheadOfLog && live.position && (!this.position || comparePositions(live.position, this.position) > 0))
          return undefined;
        promoteGeneration(db, this.projection, this.generation);
        checkpoints.promote({ ...rebuild, position: this.position });
        parked.dropOlderThan(name, this.generation);
        const next = new ProjectionTarget(this.ledger, this.projection, 'live', this.version, this.generation, this.position);
        return next;
      })
      .immediate();
  }
}
