import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import {
  EVENT_STORE,
  EventStore,
  InlineProjector,
  Position,
  RecordedEvent,
  START,
  StoreUnavailableError,
  Subscription,
  comparePositions,
} from '../event-store/event-store.port';
import { SQLITE_DB } from '../sqlite/sqlite.module';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { assertDeclaresTables, dropGeneration } from './generations';
import { ParkedEvents } from './parked-events';
import { PROJECTIONS, Projection } from './projection';
import { HaltedError, Ledger, MovedError, ProjectionTarget, describeEvent } from './projection-target';
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
  /** `inline`: applied in the append's transaction on this store (while caught up); `async`: fed after the commit. */
  readonly lifecycle: 'inline' | 'async';
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
  /** Applied inside the append's transaction (an inline projection on a store that allows it). */
  readonly inline: boolean;
  mode: ProjectionState['mode'];
  served: { generation: number; position: Position | undefined };
  target?: ProjectionTarget;
  subscription?: Subscription;
  failures: number;
  done?: Promise<void>;
}

/** A live generation fed by the shared read of the log, until it fails, is moved, or the runner stops. */
interface Member {
  readonly slot: Slot;
  readonly target: ProjectionTarget;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** An inline projection refused an event: the append is rolled back with it and answered 503, nothing stored. */
export class InlineProjectionError extends StoreUnavailableError {}

/**
 * Feeds every projection from the global log, starting after its stored checkpoint (docs/operations.md
 * "Projections"). Live models share ONE subscription: each batch is read (and, on SQLite, parsed) once and
 * given to every live model in turn, each applying it in its own transaction with its checkpoint; a model
 * that is behind (it joined late, or failed and retries) restarts the shared read from its position and the
 * others skip what they already have. On a store with inline support, `inline` models are applied inside the
 * append's transaction while they are caught up, and the shared read only catches them up otherwise.
 * A rebuild reads the log on its own, so that live models are not held back while it catches up.
 *
 * When a projection's `version` differs from the stored one, the new version is built beside the served model
 * and switched in once caught up (blue/green); the served model
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
  private waiters: { position: Position; slots: readonly Slot[]; resolve: () => void }[] = [];
  private stopped = false;
  private sync?: NodeJS.Timeout;
  private readonly sleepers = new Set<() => void>();
  private readonly members = new Set<Member>();
  /** The shared read: its subscription and the last position it handed to members. */
  private shared: { subscription: Subscription; at: Position | undefined } | undefined;
  /** Inline positions applied in the open group commit, made visible when it commits. */
  private pending = new Map<Slot, Position>();
  private readonly inlineSupported: boolean;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) private readonly db: SqliteDatabase,
    @Inject(PROJECTIONS) projections: Projection[],
    @Optional() @Inject(SETTINGS) settings?: Pick<Settings, 'projectionRetryMs'>,
  ) {
    projections.forEach(assertDeclaresTables);
    this.ledger = { db, checkpoints: new CheckpointStore(db), parked: new ParkedEvents(db) };
    this.inlineSupported = typeof store.setInlineProjector === 'function';
    this.slots = projections.map((projection) => ({
      projection,
      inline: this.inlineSupported && projection.lifecycle === 'inline',
      mode: 'live',
      served: { generation: 1, position: undefined },
      failures: 0,
    }));
    this.retryMs = settings?.projectionRetryMs ?? 1000;
  }

  start(): void {
    if (this.slots.some((s) => s.inline)) this.store.setInlineProjector!(this.inlineProjector);
    for (const slot of this.slots) {
      this.setUp(slot);
      slot.done = this.run(slot);
    }
    this.sync = setInterval(() => this.noticeSwitches(), SYNC_MS).unref();
  }

  /**
   * Resolves once the served models have applied the event at `position` (read-your-writes): every model, or
   * those `only` selects.
   */
  waitFor(position: Position, timeoutMs: number, only?: (projection: Projection) => boolean): Promise<boolean> {
    const slots = only ? this.slots.filter((s) => only(s.projection)) : this.slots;
    if (this.reached(position, slots)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { position, slots, resolve: () => (clearTimeout(timer), resolve(true)) };
      this.waiters.push(waiter);
    });
  }

  status(): ProjectionState[] {
    return this.slots.map((s) => ({
      name: s.projection.name,
      version: s.projection.version,
      lifecycle: s.inline ? 'inline' : 'async',
      mode: s.mode,
      position: s.served.position,
      generation: s.served.generation,
      halted: s.target?.halted,
      ...(s.mode === 'rebuilding' && s.target ? { rebuild: { generation: s.target.generation, position: s.target.position } } : {}),
    }));
  }

  /** Stops feeding: every batch is committed with its checkpoint, so nothing is lost; a rebuild's lease is released. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sync);
    if (this.slots.some((s) => s.inline)) this.store.setInlineProjector!(undefined);
    for (const wake of this.sleepers) wake();
    this.stopShared();
    await Promise.all(this.slots.map((s) => s.subscription?.close()));
    await Promise.all(this.slots.map((s) => s.done));
    for (const s of this.slots) if (s.target?.kind === 'rebuild' && this.db.open) this.ledger.checkpoints.releaseRebuild(s.projection.name, this.owner);
    this.logger.log(`stopped at ${this.slots.map((s) => `${s.projection.name} ${s.served.position?.commit ?? '-'}`).join(', ')}`);
  }

  private reached(position: Position, slots: readonly Slot[] = this.slots): boolean {
    if (comparePositions(position, START) <= 0) return true;
    return slots.every((s) => s.served.position !== undefined && comparePositions(s.served.position, position) >= 0);
  }

  private settle(): void {
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (this.reached(w.position, w.slots) ? (w.resolve(), false) : true));
  }

  /** Decides, from the database, what this process feeds: the live model, a rebuild of a new version, or nothing. */
  private setUp(slot: Slot): void {
    const { projection } = slot;
    const { checkpoints } = this.ledger;
    this.db.transaction(() => {
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
          this.logger.warn(`${projection.name}: version ${live.version} -> ${projection.version}: building generation ${slot.target.generation} beside the served one`);
        }
      }
      slot.target?.activate();
    }).immediate();
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
    if (target.kind === 'live') return this.join(slot, target);
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
        target.applyBatch(batch.events);
      } finally {
        // Also after a halt: the events before the poison one are applied and may be waited for.
        if (target.kind === 'live') slot.served = { generation: target.generation, position: target.position };
        this.settle();
      }
      slot.failures = 0;
      if (target.kind === 'rebuild' && batch.atHead) {
        const promoted = target.promote();
        if (promoted) {
          promoted.activate();
          this.logger.log(`${slot.projection.name}: generation ${promoted.generation} (version ${promoted.version}) is live`);
          slot.target = target = promoted;
          slot.mode = 'live';
          slot.served = { generation: target.generation, position: target.position };
          this.settle();
          return; // set up again: the live generation joins the shared read (and goes inline)
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
        this.leave(slot);
      }
    }
  }

  // ---- the shared read of the log, for every live generation ----

  /** Feeds a live generation from the shared read until it fails (rejects), is moved or the runner stops (resolves). */
  private join(slot: Slot, target: ProjectionTarget): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) return resolve();
      this.members.add({ slot, target, resolve, reject });
      // Behind what the shared read has handed out: read again from the earliest member's position.
      const shared = this.shared;
      if (!shared || (shared.at !== undefined && comparePositions(target.position ?? START, shared.at) < 0)) this.restartShared();
    });
  }

  private leave(slot: Slot): void {
    for (const m of this.members) if (m.slot === slot) (this.members.delete(m), m.resolve());
    if (this.members.size === 0) this.stopShared();
  }

  private stopShared(): void {
    const shared = this.shared;
    this.shared = undefined;
    void shared?.subscription.close();
    if (this.stopped) for (const m of this.members) (this.members.delete(m), m.resolve());
  }

  private restartShared(): void {
    this.stopShared();
    if (this.stopped || this.members.size === 0) return;
    const from = [...this.members].reduce<Position>((min, m) => {
      const p = m.target.position ?? START;
      return comparePositions(p, min) < 0 ? p : min;
    }, { commit: BigInt(Number.MAX_SAFE_INTEGER), prepare: BigInt(Number.MAX_SAFE_INTEGER) });
    const subscription = this.store.subscribeToAll({ fromPosition: comparePositions(from, START) <= 0 ? undefined : from });
    const shared = { subscription, at: comparePositions(from, START) <= 0 ? undefined : from };
    this.shared = shared;
    void this.readShared(shared).catch((error: unknown) => {
      // The subscription itself failed (store unreachable): every member retries with its backoff and rejoins.
      if (this.shared === shared) this.stopShared();
      for (const m of this.members) (this.members.delete(m), m.reject(error));
    });
  }

  private async readShared(shared: NonNullable<ProjectionRunner['shared']>): Promise<void> {
    try {
      for await (const batch of batchesOf(shared.subscription, LIVE_BATCH)) {
        if (this.shared !== shared) return; // restarted or stopped
        if (batch.events.length) shared.at = batch.events[batch.events.length - 1].position;
        this.deliver(batch.events);
      }
    } finally {
      await shared.subscription.close();
    }
  }

  /** One batch, read once, to every live member; each applies it in its own transaction with its checkpoint. */
  private deliver(events: readonly RecordedEvent[]): void {
    for (const m of [...this.members]) {
      const { slot, target } = m;
      if (slot.target !== target || this.stopped) {
        this.members.delete(m);
        m.resolve();
        continue;
      }
      try {
        target.applyBatch(events);
        slot.failures = 0;
      } catch (error) {
        this.members.delete(m);
        m.reject(error);
      } finally {
        // Also after a halt: the events before the poison one are applied and may be waited for.
        slot.served = { generation: target.generation, position: target.position };
      }
    }
    this.settle();
    if (this.members.size === 0) this.stopShared();
  }

  // ---- inline: inside the append's transaction (stores with setInlineProjector) ----

  /** Slots checked in the open group commit: still the live generation (true), or switched by another process. */
  private checked = new Map<Slot, boolean>();

  private readonly inlineProjector: InlineProjector = {
    apply: (events, previous) => {
      const before = new Map(this.pending);
      try {
        for (const slot of this.slots) {
          const target = slot.target;
          if (!slot.inline || slot.mode !== 'live' || !target || target.kind !== 'live' || target.halted) continue;
          // Only a model that has applied everything before these events; a model behind is caught up by the shared read.
          const at = this.pending.get(slot) ?? target.position;
          if ((at === undefined) !== (previous === undefined) || (at && previous && comparePositions(at, previous) !== 0)) continue;
          if (!this.stillLive(slot, target)) continue;
          this.applyInline(slot, target, events);
        }
      } catch (error) {
        this.pending = before; // this append is rolled back: so is what it applied
        throw error;
      }
    },
    // One checkpoint save per model per group commit, not per append: the write lock is held throughout.
    beforeCommit: () => {
      for (const [slot, position] of this.pending) slot.target!.saveInline(position);
    },
    committed: () => {
      this.checked.clear();
      if (this.pending.size === 0) return;
      for (const [slot, position] of this.pending) {
        if (slot.target?.kind !== 'live') continue;
        slot.target.position = position;
        slot.served = { generation: slot.target.generation, position };
      }
      this.pending.clear();
      this.settle();
    },
    rolledBack: () => {
      this.pending.clear();
      this.checked.clear();
    },
  };

  /** Once per group commit (under its write lock): another process (the CLI) may have switched the generation. */
  private stillLive(slot: Slot, target: ProjectionTarget): boolean {
    let live = this.checked.get(slot);
    if (live === undefined) {
      live = target.stillLive();
      this.checked.set(slot, live);
      if (!live) this.logger.log(`${slot.projection.name}: switched by another process; following it`);
    }
    return live;
  }

  private applyInline(slot: Slot, target: ProjectionTarget, events: readonly RecordedEvent[]): void {
    const policy = slot.projection.onError ?? 'halt';
    try {
      target.applyInline(events, policy === 'skip-and-park');
    } catch (error) {
      if (!this.db.inTransaction) throw error; // SQLite ended the transaction (disk full, I/O): the group commit fails whole
      const message = `${slot.projection.name} could not apply ${events.map(describeEvent).join(', ')} inline: ${error instanceof Error ? error.message : String(error)}`;
      if (policy === 'halt') {
        // The model may never skip an event: refuse the append instead, so the log holds nothing it cannot show.
        this.logger.error(`${message}; the append is refused`);
        throw new InlineProjectionError(`The change could not be applied to the ${slot.projection.name} read model; nothing was stored. ${message}`, error);
      }
      // skip-and-park: the append commits without this model's rows; the shared read reaches the event and parks it.
      this.logger.warn(`${message}; left to the asynchronous feed`);
      return;
    }
    this.pending.set(slot, events[events.length - 1].position);
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
