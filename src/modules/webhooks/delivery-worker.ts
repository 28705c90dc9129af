import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge } from 'prom-client';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { EVENT_STORE, EventStore, Position, RecordedEvent } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { systemContext } from '../../platform/http/system-context';
import { Metrics } from '../../platform/ops/metrics';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { belongsTo, feedItem, formatPosition, parsePosition } from '../audit';
import { LeaseCursor, LeaseState, leaseIsFree } from './delivery-lease';
import { LeaseConflictError, LeaseStreams } from './delivery-lease-stream';
import { AdoptedDelivery, DeliveryRow, DeliveryStore, NewDelivery } from './delivery-store';
import { nextAttemptAt, verdictOf } from './retry-policy';
import { send } from './sender';
import { signedHeaders } from './signature';
import { AllowList, Lookup, allowList } from './target-guard';
import { WebhookCommandHandler } from './webhook-command-handler';
import { SecretBox } from './webhook-secrets';
import { Subscription, WebhookQueries } from './webhook.queries';

const PURGE_EVERY_MS = 3_600_000;
/** Events read from the log per subscription and round. */
const SCAN_BATCH = 500;
/**
 * The log is read at most this many deliveries ahead of what is settled: the cursor every lease event carries
 * lists the deliveries not settled (about 100 bytes each, so at most about 20 KB), and a backlog waits in the
 * log rather than in the table. Deliveries of other tickets go on past a ticket whose head is retried, until
 * this many wait.
 */
const MAX_BACKLOG = 200;
/**
 * A changed cursor is recorded at most this often (and with every renewal). Every lease event is an event of
 * the log that every projection of every instance reads: one per answer cut throughput by a factor of 5 to 8
 * (bench/README.md). The price: answers received in the last second before an owner dies, unrecorded, are
 * sent again by the next owner (at least once, as for any crash; receivers dedupe on webhook-id).
 */
const CURSOR_EVERY_MS = 1_000;
/** A send is started only with at least this much of the lease left (its timeout is cut to what is left). */
const MIN_SEND_BUDGET_MS = 250;
const LAG_LIMIT = 100_000;

export const PING_TYPE = 'webhook.ping';

/** The body of a delivery (Standard Webhooks): the event type, when it happened, and the public form of the event. */
export function deliveryBody(event: RecordedEvent): string {
  const item = feedItem(event);
  return JSON.stringify({ type: event.type, timestamp: item.occurred_at ?? item.recorded_at, data: item });
}

export const deliveryId = () => `dlv_${randomBytes(12).toString('hex')}`;

/**
 * Pushes each company's change feed to its webhook subscriptions (docs/webhooks.md). For every active
 * subscription whose lease it holds, each round: read the log after the subscription's cursor into
 * deliveries (one transaction with the cursor), then send the due head of each ticket stream's queue, at most
 * `maxInFlight` at once, and record each answer with the delivery's new status (one transaction). A stream's
 * next event waits until the one before it is delivered or has failed for good, so every ticket's events
 * arrive in log order.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  readonly deliveries: DeliveryStore;
  private readonly owner = `${hostname()}:${process.pid}:webhooks-${randomBytes(3).toString('hex')}`;
  private readonly allow: AllowList;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly leases: LeaseStreams;
  /** Subscriptions whose lease this worker holds: until when (its clock), when it wrote last, and the cursor it recorded. */
  private readonly held = new Map<string, Held>();
  /** Per subscription not held: how far the log was looked through for its events, after the recorded cursor. */
  private readonly peeked = new Map<string, { readonly from: string; readonly to: Position }>();
  /** Subscriptions whose deliveries or cursor changed here since the lease stream's cursor was written. */
  private readonly dirty = new Set<string>();
  /** Subscriptions whose last read reached the end of the log. */
  private readonly caughtUp = new Set<string>();
  private purgedAt = 0;
  private readonly counted: Counter<'result'>;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private again = false;
  /** For tests: how target names resolve (the system resolver by default). */
  lookup: Lookup | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) db: SqliteDatabase,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly queries: WebhookQueries,
    private readonly handler: WebhookCommandHandler,
    private readonly box: SecretBox,
    metrics: Metrics,
    chain: ChainKey,
  ) {
    this.deliveries = new DeliveryStore(db);
    this.leases = new LeaseStreams(store, chain);
    this.allow = allowList(settings.webhooks.allowedHosts);
    this.counted = new Counter({
      name: 'lead_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result: delivered (2xx), retry (will be tried again), failed (given up), gone (410, subscription disabled)',
      labelNames: ['result'] as const,
      registers: [metrics.registry],
    });
    const worker = this;
    new Gauge({
      name: 'lead_webhook_lag_events',
      help: "Per subscription: deliveries waiting plus the company's log not yet read by its worker (counted up to 100,000)",
      labelNames: ['subscription'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const s of worker.queries.all()) this.set({ subscription: s.id }, await worker.lag(s));
      },
    });
  }

  onApplicationBootstrap(): void {
    if (this.settings.webhooks.worker) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    // An answer that comes after the database closed could not be recorded: the delivery is then sent again
    // after the restart, which receivers dedupe on webhook-id. Wait a little for answers on their way.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise((done) => (grace = setTimeout(done, 2_000)))]);
    clearTimeout(grace);
    // Released with the cursor, so another instance takes over at once rather than after the lease expires.
    for (const [id, held] of [...this.held]) {
      try {
        await this.leases.run(
          { kind: 'Release', subscriptionId: id, owner: this.owner, now: Date.now(), cursor: this.cursorOf(id, held.start) },
          held.companyId,
        );
      } catch {
        // The store or the database may be closed already; the lease then expires.
      }
      this.held.delete(id);
    }
  }

  /**
   * Deliveries waiting plus the subscription's events not read yet (how far it is behind the log), from the
   * cursor recorded in the lease stream (every instance sees the same), else this file's.
   */
  async lag(subscription: Subscription): Promise<number> {
    return subscriptionLag(this.store, this.deliveries, subscription, (await this.leases.read(subscription.id)).state);
  }

  /** Runs a round soon (a new subscription, a ping, a redelivery, an answer that frees a slot). */
  wake(): void {
    if (this.stopped || !this.settings.webhooks.worker) return;
    if (this.round) this.again = true;
    else this.schedule(0);
  }

  /** A ping: a delivery of its own (not in any ticket's order) with a `webhook.ping` body. */
  ping(subscription: Subscription, correlationId: string): DeliveryRow {
    const id = deliveryId();
    const eventId = randomUUID();
    const body = JSON.stringify({ type: PING_TYPE, timestamp: new Date().toISOString(), data: { subscription_id: subscription.id } });
    this.deliveries.enqueue(
      subscription.id,
      [
        {
          id,
          subscriptionId: subscription.id,
          eventId,
          eventType: PING_TYPE,
          orderKey: `ping:${eventId}`,
          position: null,
          correlationId,
          body,
        },
      ],
      undefined,
    );
    this.wake();
    return this.deliveries.get(subscription.id, id)!;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        if (this.stopped) return;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : this.settings.webhooks.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async runRound(): Promise<void> {
    this.purgeOld();
    let subscriptions: Subscription[];
    try {
      subscriptions = this.queries.all();
    } catch (error) {
      this.logger.warn(`cannot list webhook subscriptions yet: ${(error as Error).message}`);
      return;
    }
    for (const subscription of subscriptions) {
      if (this.stopped) return;
      if (subscription.status !== 'active') {
        // Paused, disabled: released once nothing is in flight (an answer still to come is then recorded first).
        if (this.held.has(subscription.id) && !this.inFlightOf(subscription.id)) await this.release(subscription).catch(() => undefined);
        continue;
      }
      try {
        const held = await this.holdLease(subscription);
        if (!held) {
          this.dispatch(subscription, undefined);
          continue;
        }
        await this.scan(subscription);
        // The cursor is recorded (at most once a second) before sending: a lost lease is known before a new send.
        this.dispatch(subscription, (await this.record(subscription)) ? this.held.get(subscription.id) : undefined);
      } catch (error) {
        this.logger.error({ msg: 'webhook round failed', subscription_id: subscription.id, err: (error as Error).message });
      }
    }
  }

  /** At most hourly: settled deliveries older than LEAD_WEBHOOK_RETENTION_MS go (the table would grow with the log). */
  private purgeOld(now = Date.now()): void {
    if (now - this.purgedAt < PURGE_EVERY_MS) return;
    this.purgedAt = now;
    try {
      const purged = this.deliveries.purge(now - this.settings.webhooks.retentionMs);
      if (purged) this.logger.log({ msg: 'webhook deliveries purged', purged, retention_ms: this.settings.webhooks.retentionMs });
    } catch (error) {
      this.logger.warn({ msg: 'webhook purge failed', err: (error as Error).message });
    }
  }

  /**
   * The lease of a subscription this worker holds (renewed once a third of it has passed), or takes it when it
   * is free and there is something to send: released, expired (past the owner's recorded expiry plus the
   * margin, by this clock), or held by a process of this host that no longer runs. Taking it over makes this
   * file agree with the cursor recorded in the stream (`adopt`) before anything is read or sent.
   */
  private async holdLease(subscription: Subscription): Promise<Held | undefined> {
    const mine = this.held.get(subscription.id);
    if (mine) return mine;
    const { state } = await this.leases.read(subscription.id);
    const now = Date.now();
    const { leaseMs, leaseMarginMs } = this.settings.webhooks;
    const holderGone = state.owner !== null && state.owner !== this.owner && ownerIsGone(state.owner);
    if (state.owner !== this.owner && !holderGone && !leaseIsFree(state, now, leaseMarginMs)) return undefined;
    if (!(await this.hasWork(subscription, state, now))) return undefined;
    let claimed: LeaseState;
    try {
      claimed = await this.leases.run(
        { kind: 'Claim', subscriptionId: subscription.id, owner: this.owner, now, leaseMs, marginMs: leaseMarginMs, holderGone },
        subscription.companyId,
      );
    } catch (error) {
      if (error instanceof LeaseConflictError) return undefined; // another instance was quicker
      throw error;
    }
    if (state.owner !== null && state.owner !== this.owner) {
      this.logger.log({
        msg: 'webhook lease taken over',
        subscription_id: subscription.id,
        from: state.owner,
        expired_at: new Date(state.expiresAt).toISOString(),
      });
    }
    try {
      await this.adopt(subscription, claimed.cursor);
    } catch (error) {
      // Not able to resume from the recorded cursor: give the lease back rather than send from a wrong one.
      await this.leases
        .run({ kind: 'Release', subscriptionId: subscription.id, owner: this.owner, now: Date.now() }, subscription.companyId)
        .catch(() => undefined);
      throw error;
    }
    this.peeked.delete(subscription.id);
    this.dirty.delete(subscription.id);
    const held: Held = {
      companyId: subscription.companyId,
      start: subscription.start,
      expiresAt: claimed.expiresAt,
      wroteAt: now,
      recorded: JSON.stringify(claimed.cursor),
    };
    this.held.set(subscription.id, held);
    return held;
  }

  /**
   * Whether a subscription nobody holds has something to send: a recorded pending delivery that is due, a
   * redelivery asked of this instance, or one of its events in the log after the recorded cursor. The log is
   * looked through once (remembered per recorded cursor), so the lease events themselves, in the log too, do
   * not wake anyone.
   */
  private async hasWork(subscription: Subscription, state: LeaseState, now: number): Promise<boolean> {
    if (this.deliveries.redeliveriesWaiting(subscription.id) > 0) return true;
    const cursor = state.cursor;
    if (cursor === null) {
      // Never owned through the event store (a new subscription, or state from before the lease stream): this file's.
      if (this.deliveries.pendingEntries(subscription.id).length > 0) return true;
    } else if (nextDueAt(cursor.pending) <= now) return true;
    const recorded = cursor ? parsePosition(cursor.scanned) : (this.deliveries.cursor(subscription.id) ?? subscription.start);
    const key = cursor?.scanned ?? 'none';
    const peeked = this.peeked.get(subscription.id);
    let from = peeked && peeked.from === key ? peeked.to : recorded;
    const all = subscription.events.includes('*');
    for (let read = 0; read < SCAN_BATCH * 4;) {
      const batch = await this.store.readAll({ fromPosition: from, maxCount: SCAN_BATCH });
      if (batch.length === 0) break;
      if (batch.some((e) => belongsTo(e, subscription.companyId) && (all || subscription.events.includes(e.type)))) return true;
      from = batch[batch.length - 1].position;
      read += batch.length;
      this.peeked.set(subscription.id, { from: key, to: from });
    }
    return false;
  }

  /** On taking a subscription over: this file's deliveries and cursor made to agree with the recorded cursor. */
  private async adopt(subscription: Subscription, cursor: LeaseCursor | null): Promise<void> {
    if (cursor === null) return; // first owner through the event store: this file's cursor (or the subscription's start) holds
    const scanned = parsePosition(cursor.scanned);
    if (!scanned) throw new Error(`the lease stream of webhook ${subscription.id} records an unreadable cursor ${cursor.scanned}`);
    const pending: AdoptedDelivery[] = [];
    for (const [stream, revision, id, attempts, firstAt, nextAt] of cursor.pending) {
      const [event] = await this.store.readStream(stream, { fromRevision: BigInt(revision), maxCount: 1 });
      if (!event || event.revision !== BigInt(revision)) {
        this.logger.warn({
          msg: 'webhook delivery cannot be resumed: its event is gone',
          subscription_id: subscription.id,
          stream,
          revision,
        });
        continue;
      }
      pending.push({ ...this.deliveryOf(subscription, event), id, attempts, firstAt, nextAt });
    }
    this.deliveries.adopt(subscription.id, scanned, pending);
  }

  /**
   * Writes the lease stream after a round's reading: the cursor when it changed (at most every CURSOR_EVERY_MS; it renews the lease too),
   * else a renewal once a third of the lease has passed; a subscription with nothing left to send (read to
   * the end of the log, nothing pending or in flight) is released with its cursor, so an idle subscription
   * writes nothing. False when the lease is no longer this worker's (it was taken over while this one was cut
   * off): nothing more is sent, and the new owner resumes from the cursor it recorded last.
   */
  private async record(subscription: Subscription): Promise<boolean> {
    const held = this.held.get(subscription.id);
    if (!held) return false;
    const now = Date.now();
    // Nothing to read, nothing in flight, and no retry due within the lease: kept, it would only be renewed.
    const idle =
      this.caughtUp.has(subscription.id) &&
      !this.inFlightOf(subscription.id) &&
      (this.deliveries.nextHeadDueAt(subscription.id) ?? Infinity) > now + this.settings.webhooks.leaseMs;
    if (idle) {
      await this.release(subscription);
      return false;
    }
    const sinceWrite = now - held.wroteAt;
    const renewalDue = sinceWrite >= this.settings.webhooks.leaseMs / 3;
    const cursorDue = this.dirty.has(subscription.id) && sinceWrite >= Math.min(CURSOR_EVERY_MS, this.settings.webhooks.leaseMs / 3);
    if (!renewalDue && !cursorDue) return true;
    // Taken before the cursor is read: a change made while the append is on its way marks it again.
    this.dirty.delete(subscription.id);
    const cursor = this.cursorOf(subscription.id, subscription.start);
    const text = JSON.stringify(cursor);
    try {
      const after = await this.leases.run(
        { kind: 'Renew', subscriptionId: subscription.id, owner: this.owner, now, leaseMs: this.settings.webhooks.leaseMs, cursor },
        subscription.companyId,
      );
      this.held.set(subscription.id, { ...held, expiresAt: after.expiresAt, wroteAt: now, recorded: text });
      return true;
    } catch (error) {
      if (!(error instanceof LeaseConflictError)) {
        this.dirty.add(subscription.id);
        throw error;
      }
      this.held.delete(subscription.id);
      this.logger.warn({
        msg: 'webhook lease lost: another instance took the subscription over',
        subscription_id: subscription.id,
        err: error.message,
      });
      return false;
    }
  }

  private async release(subscription: Subscription, cursor = this.cursorOf(subscription.id, subscription.start)): Promise<void> {
    this.held.delete(subscription.id);
    try {
      await this.leases.run(
        { kind: 'Release', subscriptionId: subscription.id, owner: this.owner, now: Date.now(), cursor },
        subscription.companyId,
      );
    } catch (error) {
      if (!(error instanceof LeaseConflictError)) throw error;
    }
  }

  /** The cursor the next owner resumes from: how far this file read the log, and what it has not settled. */
  private cursorOf(subscriptionId: string, start: Position): LeaseCursor {
    return {
      scanned: formatPosition(this.deliveries.cursor(subscriptionId) ?? start),
      pending: this.deliveries.pendingEntries(subscriptionId),
    };
  }

  private inFlightOf(subscriptionId: string): boolean {
    return [...this.inFlight.keys()].some((k) => k.startsWith(`${subscriptionId}/`));
  }

  private deliveryOf(subscription: Subscription, e: RecordedEvent): NewDelivery {
    return {
      id: deliveryId(),
      subscriptionId: subscription.id,
      eventId: e.id,
      eventType: e.type,
      orderKey: e.streamName,
      position: feedItem(e).position,
      correlationId: typeof e.metadata.correlationId === 'string' ? e.metadata.correlationId : null,
      body: deliveryBody(e),
    };
  }

  /** Reads the log after the cursor into deliveries of this subscription's events, and moves the cursor. */
  private async scan(subscription: Subscription): Promise<void> {
    this.caughtUp.delete(subscription.id);
    // Refilled by halves: a round that settled one delivery does not read a batch of the log for one more.
    const room = MAX_BACKLOG - this.deliveries.pendingCount(subscription.id);
    if (room < MAX_BACKLOG / 2) return;
    const cursor = this.deliveries.cursor(subscription.id) ?? subscription.start;
    const batch = await this.store.readAll({ fromPosition: cursor, maxCount: SCAN_BATCH });
    if (batch.length === 0) {
      this.caughtUp.add(subscription.id);
      return;
    }
    const all = subscription.events.includes('*');
    const wanted: NewDelivery[] = [];
    let read = 0;
    // Up to the room left: the cursor stops after the last event taken, the rest is read in a later round.
    for (const e of batch) {
      if (wanted.length === room) break;
      read++;
      if (belongsTo(e, subscription.companyId) && (all || subscription.events.includes(e.type)))
        wanted.push(this.deliveryOf(subscription, e));
    }
    this.deliveries.enqueue(subscription.id, wanted, batch[read - 1].position);
    this.dirty.add(subscription.id);
    if (read === SCAN_BATCH) this.again = true;
    else if (read === batch.length && wanted.length === 0) this.caughtUp.add(subscription.id);
  }

  /**
   * Sends the due heads, at most `maxInFlight` at once. Without the lease only pings go (they are in no
   * ticket's order, and the instance that was asked sends them). With it, only while enough of the lease is
   * left, each with its timeout cut to what is left: nothing this worker sent can still be in flight when
   * another instance may take over.
   */
  private dispatch(subscription: Subscription, held: Held | undefined): void {
    const mine = [...this.inFlight.keys()].filter((k) => k.startsWith(`${subscription.id}/`));
    const free = this.settings.webhooks.maxInFlight - mine.length;
    if (free <= 0) return;
    const budget = held ? held.expiresAt - Date.now() : this.settings.webhooks.timeoutMs;
    if (budget < MIN_SEND_BUDGET_MS) return;
    const timeoutMs = Math.min(this.settings.webhooks.timeoutMs, budget);
    const due = this.deliveries
      .due(subscription.id, Date.now(), free + mine.length)
      .filter((d) => !this.inFlight.has(`${subscription.id}/${d.id}`))
      .filter((d) => held !== undefined || d.position === null)
      .slice(0, free);
    for (const delivery of due) {
      const key = `${subscription.id}/${delivery.id}`;
      const attempt = this.attempt(subscription, delivery, timeoutMs)
        .catch((error) =>
          this.logger.error({ msg: 'webhook attempt failed to record', delivery_id: delivery.id, err: (error as Error).message }),
        )
        .finally(() => {
          this.inFlight.delete(key);
          this.wake();
        });
      this.inFlight.set(key, attempt);
    }
  }

  /**
   * The secrets that sign now. One that cannot be opened (sealed under another LEAD_WEBHOOK_KEY) is left out;
   * with none left the attempt is not made (rotating the secret mends it).
   */
  private secretsOf(subscription: Subscription, now: number): string[] {
    return subscription.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .flatMap((s) => {
        try {
          return [this.box.open(s.sealed)];
        } catch {
          return [];
        }
      });
  }

  private async attempt(subscription: Subscription, delivery: DeliveryRow, timeoutMs: number): Promise<void> {
    const startedAt = Date.now();
    const timestamp = Math.floor(startedAt / 1000);
    const secrets = this.secretsOf(subscription, startedAt);
    const result = secrets.length
      ? await send(subscription.url, signedHeaders(secrets, delivery.event_id, timestamp, delivery.body), delivery.body, {
          allow: this.allow,
          timeoutMs,
          lookup: this.lookup,
        })
      : {
          statusCode: null,
          durationMs: 0,
          retryAfter: null,
          error: 'no signing secret can be opened with LEAD_WEBHOOK_KEY (was the key changed?); rotate the secret',
        };
    if (this.stopped && !this.deliveriesWritable()) return;
    const verdict = verdictOf(result);
    const now = Date.now();
    const attemptNo = delivery.attempts + 1;
    const next =
      verdict === 'retry'
        ? nextAttemptAt(this.settings.webhooks, attemptNo, delivery.first_attempt_at ?? startedAt, now, result.retryAfter)
        : undefined;
    const status = verdict === 'delivered' ? 'delivered' : verdict === 'retry' && next !== undefined ? 'pending' : 'failed';
    if (delivery.position !== null) this.dirty.add(subscription.id);
    this.deliveries.settle(delivery, startedAt, {
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
      status,
      nextAttemptAt: next ?? null,
    });
    const result_ = verdict === 'retry' && next === undefined ? 'failed' : verdict;
    this.counted.inc({ result: result_ });
    const log = {
      msg: `webhook ${result_}`,
      subscription_id: subscription.id,
      delivery_id: delivery.id,
      event_id: delivery.event_id,
      event_type: delivery.event_type,
      correlation_id: delivery.correlation_id,
      attempt: attemptNo,
      status_code: result.statusCode,
      duration_ms: result.durationMs,
      ...(result.error ? { error: result.error } : {}),
      ...(next !== undefined ? { next_attempt_at: new Date(next).toISOString() } : {}),
    };
    if (result_ === 'delivered') this.logger.log(log);
    else this.logger.warn(log);
    if (verdict === 'gone') await this.disable(subscription, `the receiver answered 410 Gone to delivery ${delivery.id}`, delivery);
    else if (verdict === 'retry' && next === undefined) {
      await this.disable(
        subscription,
        `delivery ${delivery.id} kept failing for the retry window (last: ${result.error ?? `HTTP ${result.statusCode}`})`,
        delivery,
      );
    }
  }

  private deliveriesWritable(): boolean {
    try {
      this.deliveries.pendingCount('');
      return true;
    } catch {
      return false;
    }
  }

  private async disable(subscription: Subscription, reason: string, delivery: DeliveryRow): Promise<void> {
    const context = systemContext('webhook-worker', {
      tenant: { companyId: subscription.companyId },
      correlationId: delivery.correlation_id ?? delivery.id,
      commandId: `webhook-disable:${subscription.id}:${delivery.id}:${delivery.attempts + 1}`,
    });
    await this.handler.handle(subscription.id, { kind: 'Disable', reason, now: context.now }, context);
    this.logger.warn({
      msg: 'webhook subscription disabled',
      subscription_id: subscription.id,
      reason,
      correlation_id: delivery.correlation_id,
    });
  }
}

/** A lease owner (`host:pid:…`) of this host whose process no longer runs. */
function ownerIsGone(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** When the first of the recorded pending deliveries can be sent: the earliest due head of a ticket's queue. */
export function nextDueAt(pending: LeaseCursor['pending']): number {
  const heads = new Map<string, number>();
  for (const [stream, , , , , nextAt] of pending) if (!heads.has(stream)) heads.set(stream, nextAt);
  return Math.min(Infinity, ...heads.values());
}

interface Held {
  readonly companyId: string;
  readonly start: Position;
  /** The owner's clock: no send may be in flight after it. */
  readonly expiresAt: number;
  readonly wroteAt: number;
  /** The cursor last written to the lease stream (JSON). */
  readonly recorded: string;
}

/**
 * Deliveries waiting plus the subscription's events in the log not read yet, from the cursor recorded in the
 * lease stream when there is one (the same on every instance), else this file's (counted up to 100,000 events
 * read). Only the subscription's own events count: lease events and other companies' events are not lag.
 */
export async function subscriptionLag(
  store: EventStore,
  deliveries: DeliveryStore,
  subscription: Subscription,
  lease: LeaseState,
): Promise<number> {
  const pending = lease.cursor ? lease.cursor.pending.length : deliveries.pendingEntries(subscription.id).length;
  let from = (lease.cursor && parsePosition(lease.cursor.scanned)) || (deliveries.cursor(subscription.id) ?? subscription.start);
  const all = subscription.events.includes('*');
  let unread = 0;
  for (let read = 0; read < LAG_LIMIT;) {
    const batch = await store.readAll({ fromPosition: from, maxCount: 1000 });
    if (batch.length === 0) break;
    unread += batch.filter((e) => belongsTo(e, subscription.companyId) && (all || subscription.events.includes(e.type))).length;
    read += batch.length;
    from = batch[batch.length - 1].position;
  }
  return pending + unread;
}
