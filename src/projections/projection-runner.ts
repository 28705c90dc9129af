import { Inject, Injectable, Logger, BeforeApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore, Position, RecordedEvent, START, Subscription, comparePositions } from '../event-store/event-store.port';
import { SQLITE_DB } from '../sqlite/sqlite.module';
import { SqliteDatabase, readModelTransaction } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { PROJECTIONS, Projection } from './projection';

const MAX_BATCH = 1000;
const RETRY_MS = 1000;
const IMMEDIATE = Symbol('immediate');

interface Running {
  readonly projection: Projection;
  position: Position | undefined;
  subscription?: Subscription;
  done?: Promise<void>;
}

/**
 * Feeds every projection from its own subscription to the global log, starting after its stored checkpoint.
 * Events that are already at hand are applied in one transaction (one fsync) with the new checkpoint; a
 * failed batch rolls back whole and is tried again, so a model never holds half a batch.
 */
@Injectable()
export class ProjectionRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionRunner.name);
  private readonly checkpoints: CheckpointStore;
  private readonly running: Running[];
  private waiters: { position: Position; resolve: () => void }[] = [];
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) private readonly db: SqliteDatabase,
    @Inject(PROJECTIONS) projections: Projection[],
  ) {
    this.checkpoints = new CheckpointStore(db);
    this.running = projections.map((projection) => ({ projection, position: undefined }));
  }

  start(): void {
    for (const r of this.running) {
      this.db.transaction(() => {
        r.projection.init(this.db);
        const saved = this.checkpoints.get(r.projection.name);
        if (saved && saved.version !== r.projection.version) {
          this.logger.warn(`${r.projection.name}: version ${saved.version} -> ${r.projection.version}, rebuilding from the start`);
          r.projection.reset();
          this.checkpoints.save(r.projection.name, r.projection.version, undefined);
        } else if (!saved) {
          this.checkpoints.save(r.projection.name, r.projection.version, undefined);
        }
        r.position = saved?.version === r.projection.version ? saved.position : undefined;
      })();
      r.done = this.run(r);
    }
  }

  /** Resolves once every projection has applied the event at `position` (read-your-writes). */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.reached(position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve(true)) };
      this.waiters.push(waiter);
    });
  }

  status(): { name: string; version: number; position: Position | undefined; lastError: string | undefined }[] {
    return this.checkpoints.list().map((c) => ({ name: c.name, version: c.version, position: c.position, lastError: c.lastError }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.map((r) => r.subscription?.close()));
    await Promise.all(this.running.map((r) => r.done));
  }

  private reached(position: Position): boolean {
    if (comparePositions(position, START) <= 0) return true;
    return this.running.every((r) => r.position !== undefined && comparePositions(r.position, position) >= 0);
  }

  private async run(r: Running): Promise<void> {
    while (!this.stopped) {
      try {
        await this.consume(r);
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`${r.projection.name} failed at ${describe(r.position)}: ${message}; retrying`);
        this.checkpoints.recordError(r.projection.name, message);
        await r.subscription?.close();
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private async consume(r: Running): Promise<void> {
    const subscription = this.store.subscribeToAll({ fromPosition: r.position });
    r.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending = iterator.next();
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch: RecordedEvent[] = [first.value];
      pending = iterator.next();
      // Take whatever the subscription delivers before the event loop turns (events it already holds),
      // without waiting for more to be written. One timer per batch, not per event.
      const turn = new Promise<typeof IMMEDIATE>((resolve) => setImmediate(resolve, IMMEDIATE));
      while (batch.length < MAX_BATCH) {
        const next = await Promise.race([pending, turn]);
        if (next === IMMEDIATE || next.done) break;
        batch.push(next.value);
        pending = iterator.next();
      }
      this.applyBatch(r, batch);
    }
  }

  private applyBatch(r: Running, batch: RecordedEvent[]): void {
    const fresh = batch.filter((e) => r.position === undefined || comparePositions(e.position, r.position) > 0);
    if (fresh.length === 0) return;
    const last = fresh[fresh.length - 1].position;
    readModelTransaction(this.db, () => {
      for (const event of fresh) r.projection.apply(event);
      this.checkpoints.save(r.projection.name, r.projection.version, last);
    });
    r.position = last;
    this.waiters = this.waiters.filter((w) => (this.reached(w.position) ? (w.resolve(), false) : true));
  }
}

const describe = (p: Position | undefined) => (p ? `position ${p.commit}/${p.prepare}` : 'the start');
