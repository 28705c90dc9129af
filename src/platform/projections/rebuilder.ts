import { EventStore, Position, comparePositions, countEventsAfter } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { assertDeclaresTables } from './generations';
import { ParkedEvents } from './parked-events';
import { Projection } from './projection';
import { HaltedError, Ledger, ProjectionTarget } from './projection-target';
import { newOwner, openRebuild } from './rebuild-lease';
import { batchesOf } from './subscription-batches';

export interface RebuildProgress {
  /** Events read from the log since this run started (each is offered to every projection being rebuilt). */
  readonly done: number;
  /** `done` + what is left up to the head of the log as last seen. */
  readonly total: number;
}

export type RebuildOutcome =
  | { readonly name: string; readonly result: 'switched'; readonly generation: number; readonly position: Position | undefined }
  | { readonly name: string; readonly result: 'busy'; readonly owner: string | null }
  | { readonly name: string; readonly result: 'halted'; readonly error: string }
  | { readonly name: string; readonly result: 'interrupted'; readonly generation: number };

const BATCH = 4000;

/**
 * Rebuilds projections beside their live models (the projections CLI; docs/operations.md "Projections"): each
 * gets a new generation, or continues the one an interrupted run left, all fed from one read of the log and
 * switched in one by one as they catch up. Progress is committed with every batch, so an interrupted run
 * continues where it stopped. Safe beside the running service: see promoteUnderLock and ProjectionTarget.promote.
 */
export class Rebuilder {
  private readonly ledger: Ledger;
  readonly owner = newOwner('cli');

  constructor(
    private readonly store: EventStore,
    private readonly db: SqliteDatabase,
    private readonly projections: readonly Projection[],
  ) {
    projections.forEach(assertDeclaresTables);
    this.ledger = { db, checkpoints: new CheckpointStore(db), parked: new ParkedEvents(db) };
  }

  async run(options: { signal?: AbortSignal; onProgress?: (p: RebuildProgress) => void } = {}): Promise<RebuildOutcome[]> {
    const outcomes = new Map<string, RebuildOutcome>();
    const building: ProjectionTarget[] = [];
    this.db
      .transaction(() => {
        for (const projection of this.projections) {
          this.ledger.checkpoints.create(projection.name, projection.version);
          const target = openRebuild(this.ledger, projection, this.owner);
          if (!target)
            outcomes.set(projection.name, {
              name: projection.name,
              result: 'busy',
              owner: this.ledger.checkpoints.rebuild(projection.name)?.owner ?? null,
            });
          else building.push(target);
        }
      })
      .immediate();
    building.forEach((t) => t.activate());
    const from = building.some((t) => !t.position) ? undefined : building.map((t) => t.position!).sort(comparePositions)[0];
    let done = 0;
    // For the progress bar only; a store that must read events to count them reads at most a million (the
    // total then grows as the rebuild goes).
    let total = building.length ? await countEventsAfter(this.store, from, this.store.countAfter ? Number.MAX_SAFE_INTEGER : 1_000_000) : 0;
    const subscription = this.store.subscribeToAll({ fromPosition: from });
    options.signal?.addEventListener('abort', () => void subscription.close());
    const finish = (target: ProjectionTarget, outcome: RebuildOutcome) => {
      outcomes.set(target.projection.name, outcome);
      building.splice(building.indexOf(target), 1);
    };
    const halted = (target: ProjectionTarget, error: unknown) => {
      if (!(error instanceof HaltedError)) throw error;
      finish(target, { name: target.projection.name, result: 'halted', error: target.halted ?? error.message });
    };
    try {
      options.onProgress?.({ done, total });
      for await (const batch of building.length ? batchesOf(subscription, BATCH) : []) {
        for (const target of [...building]) {
          try {
            target.applyBatch(batch.events);
          } catch (error) {
            halted(target, error);
          }
        }
        done += batch.events.length;
        if (batch.atHead) {
          total = done;
          for (const target of [...building]) {
            try {
              const live = await this.promoteUnderLock(target);
              finish(target, { name: target.projection.name, result: 'switched', generation: live.generation, position: live.position });
            } catch (error) {
              halted(target, error);
            }
          }
        }
        total = Math.max(total, done);
        options.onProgress?.({ done, total });
        if (building.length === 0 || options.signal?.aborted) break;
      }
      for (const t of [...building]) finish(t, { name: t.projection.name, result: 'interrupted', generation: t.generation });
    } finally {
      await subscription.close();
      // Whatever is not finished can be continued at once, by this command or the service.
      for (const outcome of outcomes.values())
        if (outcome.result !== 'busy') this.ledger.checkpoints.releaseRebuild(outcome.name, this.owner);
    }
    return this.projections.map((p) => outcomes.get(p.name)!);
  }

  /**
   * The switch, once the rebuild has read the whole log. The running service may have applied more to the
   * live model meanwhile; holding SQLite's write lock stops it (and, on the SQLite store, every append), so
   * the rest of the log is read and applied under the lock and the switch is made in the same transaction:
   * the rebuild cannot be outrun by live traffic, and the lock is held for the last few events only.
   */
  private async promoteUnderLock(target: ProjectionTarget): Promise<ProjectionTarget> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (;;) {
        const events = await this.store.readAll({ fromPosition: target.position, maxCount: BATCH });
        if (events.length === 0) break;
        target.applyBatch(events);
      }
      // Everything is read and no one can append now: a live model still ahead is ahead of the log (a cut
      // tail, a replaced store; the service refuses to start then) and the rebuild from the log replaces it.
      const live = target.promote({ liveAheadOfLog: true });
      if (!live) throw new Error(`${target.projection.name}: the rebuild could not be switched in`);
      this.db.exec('COMMIT');
      return live;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      target.position = this.ledger.checkpoints.rebuild(target.projection.name)?.position;
      throw error;
    }
  }
}
