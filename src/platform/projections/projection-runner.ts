import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import {
  CorruptEventError,
  EVENT_STORE,
  EventStore,
  InlineLogReader,
  InlineProjector,
  Position,
  RecordedEvent,
  START,
  StoreUnavailableError,
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
import { HaltedError, Ledger, MovedError, ProjectionTarget, describeEvent } from './projection-target';
import { leaseIsFree, newOwner, openRebuild } from './rebuild-lease';
import { batchesOf } from './subscription-batches';

const LIVE_BATCH = 1000;
/** A rebuild commits bigger batches: fewer fsyncs, still short enough not to hold writers up for long. */
const REBUILD_BATCH = 4000;
const MAX_BACKOFF_MS = 30_000;
const SYNC_MS = 1000;
/**
 * How far behind the log an inline model may be and still be caught up inside an append's transaction (events
 * another process appended to the same file, a few at a time). Further behind (a first build, after a halt),
 * the shared read catches it up and the append answers once it has (read-your-writes).
 */
const INLINE_CATCH_UP = 1000;

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
  /** The log holds an event this projection cannot read: halted on it until an operator repairs the row. */
  unreadable?: string;
  done?: Promise<void>;
}

/** A live generation fed by the shared read of the log, until it fails, is moved, or the runner stops. */
interface Member {
  readonly slot: Slot;
  readonly target: ProjectionTarget;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** An inline projection refused an event of the append: the append is rolled back with it, nothing stored. */
export class InlineProjectionError extends StoreUnavailableError {}

/** Where an inline model stands in the open group commit: its stored position, or `skip` (not inline this time). */
type InlineStand = { readonly at: Position | undefined } | 'skip';

/**
 * Feeds every projection from the global log, starting after its stored checkpoint (docs/operations.md
 * "Projections"). Live models share ONE subscription: each batch is read and parsed once and given to every
 * live model in turn, each applying the events it handles in its own transaction with its checkpoint; a model
 * that is behind (it joined late, or failed and retries) restarts the shared read from its position and the
 * others skip what they already have. On a store with inline support (SQLite), `inline` models are applied
 * inside the append's own transaction (group commit included), caught up there first when another process
 * appended meanwhile; the shared read only catches them up when they are further behind (first build, halt).
 * A rebuild reads the log on its own, so that live models are not held back while it catches up.
 *
 * When a projection's `version` differs from the stored one, the new version is built beside the served model
 * and switched in once caught up (blue/green); the served model stays as it was meanwhile. Another process (the projections CLI) may rebuild and switch a model: the
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
  /** Inline models looked at in the open group commit (their stored position, read once under its write lock). */
  private stands = new Map<Slot, InlineStand>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) private readonly db: SqliteDatabase,
    @Inject(PROJECTIONS) projections: Projection[],
    @Optional() @Inject(SETTINGS) settings?: Pick<Settings, 'projectionRetryMs'> & Partial<Pick<Settings, 'inlineProjections'>>,
  ) {
    projections.forEach(assertDeclaresTables);
    this.ledger = { db, checkpoints: new CheckpointStore(db), parked: new ParkedEvents(db) };
    const inlineSupported = typeof store.setInlineProjector === 'function' && (settings?.inlineProjections ?? true);
    this.slots = projections.map((projection) => ({
      projection,
      inline: inlineSupported && projection.lifecycle === 'inline',
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
      halted: s.target?.halted ?? s.unreadable,
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
    for (const s of this.slots)
      if (s.target?.kind === 'rebuild' && this.db.open) this.ledger.checkpoints.releaseRebuild(s.projection.name, this.owner);
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
    let from: Position | undefined = [...this.members][0].target.position;
    for (const m of this.members) {
      const p = m.target.position;
      if (from && (!p || comparePositions(p, from) < 0)) from = p;
    }
    const subscription = this.store.subscribeToAll({ fromPosition: from });
    const shared = { subscription, at: from };
    this.shared = shared;
    void this.readShared(shared).catch((error: unknown) => {
      // The read itself failed (store unreachable, a corrupt event): every member retries with its backoff and rejoins.
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

  /** One batch, read once, to every live member; each applies what it handles in its own transaction with its checkpoint. */
  private deliver(events: readonly RecordedEvent[]): void {
    for (const m of [...this.members]) {
      const { slot, target } = m;
      if (slot.target !== target || this.stopped) {
        this.members.delete(m);
        m.resolve();
        continue;
      }
      try {
        // Only what this model has not applied (an inline model usually has all of it already: no span, no transaction).
        const fresh = target.position ? events.filter((e) => comparePositions(e.position, target.position!) > 0) : events;
        // The span names the events the model acts on (not, say, a number reservation it skips), or there is none.
        const handled = fresh.filter((e) => target.handled(e));
        if (handled.length) traceBatch(slot.projection.name, target, handled, () => target.applyBatch(fresh));
        else if (fresh.length) target.applyBatch(fresh);
        slot.failures = 0;
        slot.unreadable = undefined;
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

  private readonly inlineProjector: InlineProjector = {
    apply: (events, previous, log) => {
      const before = new Map(this.pending);
      // One span per append for its inline models, continuing the trace of the command that wrote the events.
      const attributes = {
        'lead.projection.lifecycle': 'inline',
        'lead.projection.events': events.length,
        'lead.projection.first_commit': String(events[0].position.commit),
        'lead.projection.last_commit': String(events[events.length - 1].position.commit),
      };
      inSpanSync('projection inline', { attributes, parent: contextOfMetadata(events[0].metadata) }, (span) => {
        const applied: string[] = [];
        try {
          for (const slot of this.slots) {
            const target = slot.target;
            if (!slot.inline || slot.mode !== 'live' || !target || target.kind !== 'live' || target.halted) continue;
            const stand = this.stand(slot, target);
            if (stand === 'skip') continue;
            const at = this.pending.get(slot) ?? stand.at;
            if (!this.catchUp(slot, target, at, previous, log)) continue;
            if (this.applyInline(slot, target, events)) applied.push(slot.projection.name);
          }
        } catch (error) {
          this.pending = before; // this append is rolled back: so is what it applied
          throw error;
        } finally {
          span.setAttribute('lead.projection.models', applied);
        }
      });
    },
    // One checkpoint save per model per group commit, not per append: the write lock is held throughout.
    beforeCommit: () => {
      for (const [slot, position] of this.pending) slot.target!.saveInline(position);
    },
    committed: () => {
      this.stands.clear();
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
      this.stands.clear();
    },
  };

  /**
   * Once per group commit, under its write lock: where the model stands in the database. Another process on
   * the same file may have applied events inline since (its position is then ahead of this process's), or the
   * CLI may have switched the generation (then this process follows it and leaves the model alone).
   */
  private stand(slot: Slot, target: ProjectionTarget): InlineStand {
    let stand = this.stands.get(slot);
    if (stand === undefined) {
      const stored = target.storedPosition();
      if (stored === false) this.logger.log(`${slot.projection.name}: switched by another process; following it`);
      // Another process may have moved it since this one last did (it applied inline): the later of the two.
      const mine = target.position;
      stand = stored === false ? 'skip' : { at: stored && (!mine || comparePositions(stored, mine) > 0) ? stored : mine };
      this.stands.set(slot, stand);
    }
    return stand;
  }

  /**
   * Brings the model to `previous` (the position just before this append's events) inside the transaction:
   * events another process appended to the file since the model's position are read and applied first. A
   * model further behind, or one that cannot apply what it reads (a corrupt row, a poison event: not this
   * append's fault), is left to the shared read for this group commit; the append goes on without it.
   */
  private catchUp(
    slot: Slot,
    target: ProjectionTarget,
    at: Position | undefined,
    previous: Position | undefined,
    log: InlineLogReader,
  ): boolean {
    if (previous === undefined || (at !== undefined && comparePositions(at, previous) >= 0))
      return at === undefined || previous !== undefined;
    try {
      const missed = log(at, INLINE_CATCH_UP + 1).filter((e) => comparePositions(e.position, previous) <= 0);
      if (missed.length > INLINE_CATCH_UP) throw new Error(`more than ${INLINE_CATCH_UP} events behind`);
      if (missed.length) this.db.transaction(() => target.applyInline(missed, false))();
      this.pending.set(slot, previous);
      return true;
    } catch (error) {
      if (!this.db.inTransaction) throw error; // SQLite ended the transaction (disk full, I/O): the group commit fails whole
      this.logger.warn(
        `${slot.projection.name}: not caught up inline (${error instanceof Error ? error.message : String(error)}); left to the shared read`,
      );
      this.stands.set(slot, 'skip');
      return false;
    }
  }

  /** Whether the model handled any of the events (it moves past them either way, unless left to the shared read). Throws to refuse the append. */
  private applyInline(slot: Slot, target: ProjectionTarget, events: readonly RecordedEvent[]): boolean {
    const policy = slot.projection.onError ?? 'halt';
    let handled: boolean;
    try {
      handled = target.applyInline(events, policy === 'skip-and-park');
    } catch (error) {
      if (!this.db.inTransaction) throw error; // SQLite ended the transaction (disk full, I/O): the group commit fails whole
      const message = `${slot.projection.name} could not apply ${events.map(describeEvent).join(', ')} inline: ${error instanceof Error ? error.message : String(error)}`;
      if (policy === 'halt') {
        // The model may never skip an event: refuse the append instead, so the log holds nothing it cannot show.
        this.logger.error(`${message}; the append is refused`);
        throw new InlineProjectionError(
          `The change could not be applied to the ${slot.projection.name} read model; nothing was stored. ${message}`,
          error,
        );
      }
      // skip-and-park: the append commits without this model's rows; the model is left behind for this group
      // commit, and the shared read reaches the event and parks it.
      this.logger.warn(`${message}; left to the shared read`);
      this.stands.set(slot, 'skip'); // applied up to `previous` (catchUp recorded it), not past this event
      return false;
    }
    this.pending.set(slot, events[events.length - 1].position);
    return handled;
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
