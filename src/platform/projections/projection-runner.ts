import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import {
  CorruptEventError,
  EVENT_STORE,
  EventStore,
  Position,
  RecordedEvent,
  START,
  Subscription,
  comparePositions,
} from '../event-store/event-store.port';
import { Link } from '@opentelemetry/api';
import { contextOfMetadata, inSpanSync, linkOfMetadata } from '../ops/trace-context';
import { SQLITE_DB } from '../sqlite/sqlite.module';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { aheadOfLogMessage, checkpointsAheadOfLog } from './checkpoint-guard';
import { CheckpointStore } from './checkpoint-store';
import { assertDeclaresTables, dropGeneration } from './generations';
import { ParkedEvents } from './parked-events';
import { PROJECTIONS, Projection } from './projection';
import { HaltedError, Ledger, MovedError, ProjectionTarget } from './projection-target';
import { leaseIsFree, newOwner, openRebuild } from './rebuild-lease';
import { batchesOf } from './subscription-batches';

const LIVE_BATCH = 1000;
/** A rebuild commits bigger batches: fewer fsyncs, still short enough not to hold writers up for long. */
const REBUILD_BATCH = 4000;
const MAX_BACKOFF_MS = 30_000;
const SYNC_MS = 1000;

export interface ProjectionState {
  readonly name: string;
  readonly version: number;
  /** `live`: fed as events come; `rebuilding`: a new version is built beside the served one (frozen meanwhile); `waiting`: another process builds it. */
  readonly mode: 'live' | 'rebuilding' | 'waiting';
  /** What readers see: the served generation's position. */
  readonly position: Position | undefined;
  readonly generation: number;
  readonly halted: string | undefined;
  readonly rebuild?: { readonly generation: number; readonly position: Position | undefined };
}

interface Slot {
  readonly projection: Projection;
  mode: ProjectionState['mode'];
  served: { generation: number; position: Position | undefined };
  target?: ProjectionTarget;
  subscription?: Subscription;
  failures: number;
  /** The log holds an event this projection cannot read: halted on it until an operator repairs the row. */
  unreadable?: string;
  done?: Promise<void>;
}

/**
 * Feeds every projection from its own subscription to the global log, starting after its stored checkpoint
 * (docs/operations.md "Projections"). When a projection's `version` differs from the stored one, the new
 * version is built beside the served model and switched in once caught up (blue/green); the served model
 * stays as it was meanwhile. Another process (the projections CLI) may rebuild and switch a model: the
 * checkpoint save of the next batch notices, and a timer checks every second, so this runner picks it up.
 */
@Injectable()
export class ProjectionRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionRunner.name);
  private readonly ledger: Ledger;
  private readonly slots: Slot[];
  private readonly owner = newOwner('service');
  private readonly retryMs: number;
  private waiters: { position: Position; resolve: () => void }[] = [];
  private stopped = false;
  private sync?: NodeJS.Timeout;
  private readonly sleepers = new Set<() => void>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) private readonly db: SqliteDatabase,
    @Inject(PROJECTIONS) projections: Projection[],
    @Optional() @Inject(SETTINGS) settings?: Pick<Settings, 'projectionRetryMs'>,
  ) {
    projections.forEach(assertDeclaresTables);
    this.ledger = { db, checkpoints: new CheckpointStore(db), parked: new ParkedEvents(db) };
    this.slots = projections.map((projection) => ({
      projection,
      mode: 'live',
      served: { generation: 1, position: undefined },
      failures: 0,
    }));
    this.retryMs = settings?.projectionRetryMs ?? 1000;
  }

  /** Throws, naming each projection, its checkpoint and the log's end, when a checkpoint is beyond the log. */
  async assertCheckpointsWithinLog(): Promise<void> {
    const ahead = await checkpointsAheadOfLog(this.store, this.ledger.checkpoints);
    if (ahead.length) throw new Error(aheadOfLogMessage(ahead));
  }

  start(): void {
    for (const slot of this.slots) {
      this.setUp(slot);
      slot.done = this.run(slot);
    }
    this.sync = setInterval(() => this.noticeSwitches(), SYNC_MS).unref();
  }

  /** Resolves once every projection's served model has applied the event at `position` (read-your-writes). */
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

  status(): ProjectionState[] {
    return this.slots.map((s) => ({
      name: s.projection.name,
      version: s.projection.version,
      mode: s.mode,
      position: s.served.position,
      generation: s.served.generation,
      halted: s.target?.halted ?? s.unreadable,
      ...(s.mode === 'rebuilding' && s.target ? { rebuild: { generation: s.target.generation, position: s.target.position } } : {}),
    }));
  }

  /** Stops feeding: every batch is committed with its checkpoint, so nothing is lost; a rebuild's lease is released. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sync);
    for (const wake of this.sleepers) wake();
    await Promise.all(this.slots.map((s) => s.subscription?.close()));
    await Promise.all(this.slots.map((s) => s.done));
    for (const s of this.slots)
      if (s.target?.kind === 'rebuild' && this.db.open) this.ledger.checkpoints.releaseRebuild(s.projection.name, this.owner);
    this.logger.log(`stopped at ${this.slots.map((s) => `${s.projection.name} ${s.served.position?.commit ?? '-'}`).join(', ')}`);
  }

  private reached(position: Position): boolean {
    if (comparePositions(position, START) <= 0) return true;
    return this.slots.every((s) => s.served.position !== undefined && comparePositions(s.served.position, position) >= 0);
  }

  private settle(): void {
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (this.reached(w.position) ? (w.resolve(), false) : true));
  }

  /** Decides, from the database, what this process feeds: the live model, a rebuild of a new version, or nothing. */
  private setUp(slot: Slot): void {
    const { projection } = slot;
    const { checkpoints } = this.ledger;
    this.db
      .transaction(() => {
        checkpoints.create(projection.name, projection.version);
        const live = checkpoints.get(projection.name)!;
        slot.served = { generation: live.generation, position: live.position };
        if (live.version === projection.version) {
          const stale = checkpoints.rebuild(projection.name);
          if (stale && stale.version !== projection.version && leaseIsFree(stale)) {
            dropGeneration(this.db, projection, stale.generation);
            checkpoints.endRebuild(projection.name);
          }
          slot.mode = 'live';
          slot.target = new ProjectionTarget(this.ledger, projection, 'live', projection.version, live.generation, live.position);
        } else {
          slot.target = openRebuild(this.ledger, projection, this.owner);
          slot.mode = slot.target ? 'rebuilding' : 'waiting';
          if (slot.target && !slot.target.position) {
            this.logger.warn(
              `${projection.name}: version ${live.version} -> ${projection.version}: building generation ${slot.target.generation} beside the served one`,
            );
          }
        }
        slot.target?.activate();
      })
      .immediate();
  }

  private async run(slot: Slot): Promise<void> {
    for (let round = 0; !this.stopped; round++) {
      try {
        if (round > 0) this.setUp(slot); // start() did the first one
        if (slot.target) await this.consume(slot, slot.target);
        else await this.pause(this.retryMs); // another process builds it: look again later
      } catch (error) {
        await slot.subscription?.close();
        if (this.stopped) return;
        if (error instanceof MovedError) {
          this.logger.log(`${slot.projection.name}: ${error.message}; following it`);
          continue;
        }
        slot.failures++;
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof CorruptEventError) slot.unreadable = message;
        if (!(error instanceof HaltedError)) this.recordError(slot, message);
        this.logger.error(`${message}; retry ${slot.failures}`);
        await this.pause(Math.min(MAX_BACKOFF_MS, this.retryMs * 2 ** Math.min(slot.failures - 1, 10)));
      }
    }
  }

  private recordError(slot: Slot, message: string): void {
    if (!this.db.open) return;
    if (slot.target?.kind === 'rebuild') this.ledger.checkpoints.recordRebuildError(slot.projection.name, this.owner, message);
    else this.ledger.checkpoints.recordError(slot.projection.name, message);
  }

  private async consume(slot: Slot, target: ProjectionTarget): Promise<void> {
    const subscription = this.store.subscribeToAll({ fromPosition: target.position });
    slot.subscription = subscription;
    if (this.stopped) await subscription.close();
    try {
      await this.feed(slot, target, subscription);
    } finally {
      await subscription.close();
    }
  }

  private async feed(slot: Slot, first: ProjectionTarget, subscription: Subscription): Promise<void> {
    let target = first;
    for await (const batch of batchesOf(subscription, target.kind === 'live' ? LIVE_BATCH : REBUILD_BATCH)) {
      if (slot.target !== target) return; // set up again (a switch noticed by the timer)
      try {
        if (batch.events.length) traceBatch(slot.projection.name, target, batch.events, () => target.applyBatch(batch.events));
      } finally {
        // Also after a halt: the events before the poison one are applied and may be waited for.
        if (target.kind === 'live') slot.served = { generation: target.generation, position: target.position };
        this.settle();
      }
      slot.failures = 0;
      slot.unreadable = undefined;
      if (target.kind === 'rebuild' && batch.atHead) {
        const promoted = target.promote();
        if (promoted) {
          promoted.activate();
          this.logger.log(`${slot.projection.name}: generation ${promoted.generation} (version ${promoted.version}) is live`);
          slot.target = target = promoted;
          slot.mode = 'live';
          slot.served = { generation: target.generation, position: target.position };
        }
      }
      this.settle();
    }
  }

  /** A model switched by another process: stop feeding the old generation and set up again. */
  private noticeSwitches(): void {
    if (!this.db.open) return;
    for (const slot of this.slots) {
      const live = this.ledger.checkpoints.get(slot.projection.name);
      if (live && slot.mode !== 'waiting' && live.generation !== slot.served.generation) {
        slot.target = undefined;
        void slot.subscription?.close();
      }
    }
  }

  /** A wait that shutdown cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => (clearTimeout(timer), this.sleepers.delete(wake), resolve());
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

const MAX_LINKS = 32;

/**
 * A span per projection batch, continuing the trace of its first event that recorded one (the create that
 * wrote it, usually the only event of a live batch), linked to the traces of the others.
 */
function traceBatch(projection: string, target: ProjectionTarget, events: readonly RecordedEvent[], apply: () => void): void {
  const parent = events.map((e) => contextOfMetadata(e.metadata)).find((c) => c !== undefined);
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const link = linkOfMetadata(e.metadata);
    if (!link || seen.has(link.context.spanId) || links.length >= MAX_LINKS) continue;
    seen.add(link.context.spanId);
    links.push(link);
  }
  const attributes = {
    'lead.projection': projection,
    'lead.projection.kind': target.kind,
    'lead.projection.generation': target.generation,
    'lead.projection.events': events.length,
    'lead.projection.first_commit': String(events[0].position.commit),
    'lead.projection.last_commit': String(events[events.length - 1].position.commit),
  };
  inSpanSync(`projection ${projection} batch`, { attributes, links: links.slice(1), parent }, apply);
}
