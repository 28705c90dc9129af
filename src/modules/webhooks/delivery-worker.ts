import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge } from 'prom-client';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { EVENT_STORE, EventStore, RecordedEvent, countEventsAfter } from '../../platform/event-store/event-store.port';
import { systemContext } from '../../platform/http/system-context';
import { Metrics } from '../../platform/ops/metrics';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { belongsTo, feedItem } from '../audit';
import { DeliveryRow, DeliveryStore, NewDelivery } from './delivery-store';
import { nextAttemptAt, verdictOf } from './retry-policy';
import { send } from './sender';
import { signedHeaders } from './signature';
import { AllowList, Lookup, allowList } from './target-guard';
import { WebhookCommandHandler } from './webhook-command-handler';
import { SecretBox } from './webhook-secrets';
import { Subscription, WebhookQueries } from './webhook.queries';

/** A lease not renewed for this long may be taken over by another worker (a hung or vanished process). */
export const WEBHOOK_LEASE_MS = 30_000;
const LEASE_RENEW_MS = 5_000;
const PURGE_EVERY_MS = 3_600_000;
/** Events read from the log per subscription and round. */
const SCAN_BATCH = 500;
/** A subscription with this many deliveries waiting is not read further until they drain (bounded table). */
const MAX_BACKLOG = 5_000;
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
  /** Subscriptions whose lease this worker holds, and when it renewed it last. */
  private readonly leases = new Map<string, number>();
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
  ) {
    this.deliveries = new DeliveryStore(db);
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
    try {
      for (const s of this.queries.all()) this.deliveries.releaseLease(s.id, this.owner);
    } catch {
      // The database may be closed already; the leases then expire.
    }
  }

  /** Deliveries waiting plus events after the cursor (how far the subscription is behind the log). */
  async lag(subscription: Subscription): Promise<number> {
    const cursor = this.deliveries.cursor(subscription.id) ?? subscription.start;
    return this.deliveries.pendingCount(subscription.id) + (await countEventsAfter(this.store, cursor, LAG_LIMIT));
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
      if (subscription.status !== 'active') continue;
      try {
        if (!this.holdLease(subscription.id)) continue;
        await this.scan(subscription);
        this.dispatch(subscription);
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

  private holdLease(subscriptionId: string): boolean {
    // Renewed every few seconds, not every round: nobody may take it before it is WEBHOOK_LEASE_MS old.
    const renewed = this.leases.get(subscriptionId);
    if (renewed !== undefined && Date.now() - renewed < LEASE_RENEW_MS) return true;
    const held = this.deliveries.leaseOf(subscriptionId);
    const dead = held && held.owner !== this.owner && ownerIsGone(held.owner) ? held.owner : null;
    const now = Date.now();
    const taken = this.deliveries.takeLease(subscriptionId, this.owner, WEBHOOK_LEASE_MS, now, dead);
    if (taken) this.leases.set(subscriptionId, now);
    else this.leases.delete(subscriptionId);
    return taken;
  }

  /** Reads the log after the cursor into deliveries of this subscription's events, and moves the cursor. */
  private async scan(subscription: Subscription): Promise<void> {
    if (this.deliveries.pendingCount(subscription.id) >= MAX_BACKLOG) return;
    const cursor = this.deliveries.cursor(subscription.id) ?? subscription.start;
    const batch = await this.store.readAll({ fromPosition: cursor, maxCount: SCAN_BATCH });
    if (batch.length === 0) return;
    const all = subscription.events.includes('*');
    const wanted: NewDelivery[] = batch
      .filter((e) => belongsTo(e, subscription.companyId) && (all || subscription.events.includes(e.type)))
      .map((e) => ({
        id: deliveryId(),
        subscriptionId: subscription.id,
        eventId: e.id,
        eventType: e.type,
        orderKey: e.streamName,
        position: feedItem(e).position,
        correlationId: typeof e.metadata.correlationId === 'string' ? e.metadata.correlationId : null,
        body: deliveryBody(e),
      }));
    this.deliveries.enqueue(subscription.id, wanted, batch[batch.length - 1].position);
    if (batch.length === SCAN_BATCH) this.again = true;
  }

  private dispatch(subscription: Subscription): void {
    const mine = [...this.inFlight.keys()].filter((k) => k.startsWith(`${subscription.id}/`));
    const free = this.settings.webhooks.maxInFlight - mine.length;
    if (free <= 0) return;
    const due = this.deliveries
      .due(subscription.id, Date.now(), free + mine.length)
      .filter((d) => !this.inFlight.has(`${subscription.id}/${d.id}`))
      .slice(0, free);
    for (const delivery of due) {
      const key = `${subscription.id}/${delivery.id}`;
      const attempt = this.attempt(subscription, delivery)
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

  private async attempt(subscription: Subscription, delivery: DeliveryRow): Promise<void> {
    const startedAt = Date.now();
    const timestamp = Math.floor(startedAt / 1000);
    const secrets = this.secretsOf(subscription, startedAt);
    const result = secrets.length
      ? await send(subscription.url, signedHeaders(secrets, delivery.event_id, timestamp, delivery.body), delivery.body, {
          allow: this.allow,
          timeoutMs: this.settings.webhooks.timeoutMs,
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
