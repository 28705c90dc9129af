import { Position } from '../../platform/event-store/event-store.port';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { PendingEntry } from './delivery-lease';

/**
 * The delivery worker's working state, in the service's SQLite file: per subscription a cursor in the global
 * log, and the deliveries it made from the events it read (with every attempt). Which instance delivers a
 * subscription, and the cursor the next owner resumes from, are in the event store (`delivery-lease.ts`); an
 * instance that takes a subscription over first makes this state agree with that cursor (`adopt`). Reading events into
 * deliveries and moving the cursor happen in one transaction, and so do recording an attempt's answer and
 * the delivery's new status: after a crash (kill -9) nothing is lost and a delivery answered 2xx is not sent
 * again; one that was in flight has no recorded answer and is sent again (at least once; receivers dedupe on
 * `webhook-id`). Not a projection: it is not rebuilt from the log (a rebuild would send everything again).
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  readonly seq: number;
  readonly id: string;
  readonly subscription_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly order_key: string;
  readonly position: string | null;
  readonly correlation_id: string | null;
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly created_at: number;
  readonly first_attempt_at: number | null;
  readonly next_attempt_at: number;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly delivered_at: number | null;
}

export interface AttemptRow {
  readonly delivery_id: string;
  readonly attempt: number;
  readonly attempted_at: number;
  readonly status_code: number | null;
  readonly duration_ms: number;
  readonly error: string | null;
  readonly next_retry_at: number | null;
}

export interface NewDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly orderKey: string;
  readonly position: string | null;
  readonly correlationId: string | null;
  readonly body: string;
}

export interface AttemptOutcome {
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  /** The delivery's status after this attempt, and when to try again if still pending. */
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_cursors (
    subscription_id TEXT PRIMARY KEY, commit_pos INTEGER NOT NULL, prepare_pos INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, subscription_id TEXT NOT NULL, event_id TEXT NOT NULL,
    event_type TEXT NOT NULL, order_key TEXT NOT NULL, position TEXT, correlation_id TEXT, body TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, first_attempt_at INTEGER,
    next_attempt_at INTEGER NOT NULL, last_status_code INTEGER, last_error TEXT, delivered_at INTEGER,
    UNIQUE (subscription_id, event_id));
  CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries (subscription_id, status, order_key, seq);
  CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, attempted_at INTEGER NOT NULL, status_code INTEGER,
    duration_ms INTEGER NOT NULL, error TEXT, next_retry_at INTEGER, PRIMARY KEY (delivery_id, attempt));
`;

export class DeliveryStore {
  private readonly s;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(SCHEMA);
    this.s = {
      cursor: db
        .prepare<[string], { commit_pos: bigint; prepare_pos: bigint }>(
          'SELECT commit_pos, prepare_pos FROM webhook_cursors WHERE subscription_id = ?',
        )
        .safeIntegers(),
      saveCursor: db.prepare(`INSERT INTO webhook_cursors (subscription_id, commit_pos, prepare_pos, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (subscription_id) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos, updated_at = excluded.updated_at`),
      insert:
        db.prepare(`INSERT OR IGNORE INTO webhook_deliveries (id, subscription_id, event_id, event_type, order_key, position, correlation_id, body, status, created_at, next_attempt_at)
        VALUES (@id, @subscriptionId, @eventId, @eventType, @orderKey, @position, @correlationId, @body, 'pending', @now, @now)`),
      // The head of each ticket stream's queue: the oldest delivery not yet delivered or failed. Only a due
      // head is sent, so a stream's events reach the receiver in log order even across retries.
      due: db.prepare<[string, string, number, number], DeliveryRow>(`SELECT d.* FROM webhook_deliveries d
        WHERE d.subscription_id = ? AND d.status = 'pending' AND d.seq = (
          SELECT MIN(h.seq) FROM webhook_deliveries h WHERE h.subscription_id = ? AND h.order_key = d.order_key AND h.status = 'pending')
        AND d.next_attempt_at <= ? ORDER BY d.seq LIMIT ?`),
      nextDue: db.prepare<[string], { at: number | null }>(
        `SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE subscription_id = ? AND status = 'pending'`,
      ),
      pendingCount: db.prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE subscription_id = ? AND status = 'pending'`,
      ),
      counts: db.prepare<[string], { status: DeliveryStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE subscription_id = ? GROUP BY status',
      ),
      get: db.prepare<[string, string], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND id = ?'),
      list: db.prepare<[string, number, number], DeliveryRow>(
        'SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      attempts: db.prepare<[string], AttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt'),
      recordAttempt:
        db.prepare(`INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error, next_retry_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      settle:
        db.prepare(`UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, @at),
        next_attempt_at = COALESCE(@next, next_attempt_at), last_status_code = @code, last_error = @error,
        delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END WHERE id = @id AND status = 'pending'`),
      redeliver: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, first_attempt_at = NULL WHERE subscription_id = ? AND id = ?`,
      ),
      // Deliveries of log events (pings have no position) not settled yet, in the order they were read.
      pendingOfLog: db.prepare<
        [string],
        Pick<DeliveryRow, 'id' | 'order_key' | 'body' | 'attempts' | 'first_attempt_at' | 'next_attempt_at'>
      >(
        `SELECT id, order_key, body, attempts, first_attempt_at, next_attempt_at FROM webhook_deliveries
        WHERE subscription_id = ? AND status = 'pending' AND position IS NOT NULL ORDER BY seq`,
      ),
      // An explicit redelivery is pending again with its attempts kept and no first attempt (see `redeliver`):
      // a staff request made on this instance, which a take-over keeps.
      dropAttemptsOfPendingLog: db.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (
        SELECT id FROM webhook_deliveries WHERE subscription_id = ? AND status = 'pending' AND position IS NOT NULL
        AND NOT (attempts > 0 AND first_attempt_at IS NULL))`),
      dropPendingLog: db.prepare(`DELETE FROM webhook_deliveries WHERE subscription_id = ? AND status = 'pending' AND position IS NOT NULL
        AND NOT (attempts > 0 AND first_attempt_at IS NULL)`),
      redeliveries: db.prepare<
        [string],
        { n: number }
      >(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE subscription_id = ? AND status = 'pending'
        AND position IS NOT NULL AND attempts > 0 AND first_attempt_at IS NULL`),
      nextHeadDue: db.prepare<[string, string], { at: number | null }>(`SELECT MIN(d.next_attempt_at) AS at FROM webhook_deliveries d
        WHERE d.subscription_id = ? AND d.status = 'pending' AND d.position IS NOT NULL AND d.seq = (
          SELECT MIN(h.seq) FROM webhook_deliveries h WHERE h.subscription_id = ? AND h.order_key = d.order_key AND h.status = 'pending')`),
      byEvent: db.prepare<[string, string], { id: string }>(`SELECT id FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ?`),
      insertAdopted:
        db.prepare(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, order_key, position, correlation_id, body, status, attempts,
        created_at, first_attempt_at, next_attempt_at) VALUES (@id, @subscriptionId, @eventId, @eventType, @orderKey, @position, @correlationId, @body,
        'pending', @attempts, @now, @firstAt, @nextAt)`),
      purgeAttempts: db.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (
        SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?)`),
      purgeDeliveries: db.prepare(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?`),
    };
  }

  cursor(subscriptionId: string): Position | undefined {
    const row = this.s.cursor.get(subscriptionId);
    return row ? { commit: BigInt(row.commit_pos), prepare: BigInt(row.prepare_pos) } : undefined;
  }

  /** The deliveries of the events read, and the cursor after them, in one transaction. */
  enqueue(subscriptionId: string, deliveries: readonly NewDelivery[], cursor: Position | undefined, now = Date.now()): void {
    // Without an fsync too: a lost batch loses its cursor move with it, and is read from the log again.
    this.relaxed(() =>
      this.db.transaction(() => {
        for (const d of deliveries) this.s.insert.run({ ...d, now });
        if (cursor) this.s.saveCursor.run(subscriptionId, cursor.commit, cursor.prepare, now);
      })(),
    );
  }

  due(subscriptionId: string, now: number, limit: number): DeliveryRow[] {
    return limit <= 0 ? [] : this.s.due.all(subscriptionId, subscriptionId, now, limit);
  }

  nextDueAt(subscriptionId: string): number | undefined {
    return this.s.nextDue.get(subscriptionId)?.at ?? undefined;
  }

  pendingCount(subscriptionId: string): number {
    return this.s.pendingCount.get(subscriptionId)!.n;
  }

  counts(subscriptionId: string): Record<DeliveryStatus, number> {
    const counts = { pending: 0, delivered: 0, failed: 0 };
    for (const row of this.s.counts.all(subscriptionId)) counts[row.status] = row.n;
    return counts;
  }

  /**
   * The attempt and the delivery's new status, in one transaction: a 2xx recorded here is never sent again.
   * Committed without an fsync (synchronous=NORMAL, as projection batches): in WAL mode a commit survives a
   * killed process; only a power cut can lose the last ones, and a lost record means the delivery is sent
   * again (at least once), never that an event is skipped. The next FULL commit (an append) makes it durable.
   */
  settle(delivery: DeliveryRow, at: number, outcome: AttemptOutcome): void {
    this.relaxed(() =>
      this.db.transaction(() => {
        this.s.recordAttempt.run(
          delivery.id,
          delivery.attempts + 1,
          at,
          outcome.statusCode,
          outcome.durationMs,
          outcome.error,
          outcome.status === 'pending' ? outcome.nextAttemptAt : null,
        );
        this.s.settle.run({
          id: delivery.id,
          status: outcome.status,
          at,
          next: outcome.nextAttemptAt,
          code: outcome.statusCode,
          error: outcome.error,
        });
      })(),
    );
  }

  private relaxed<T>(work: () => T): T {
    const level = this.db.inTransaction ? 0 : (this.db.pragma('synchronous', { simple: true }) as number);
    if (level > 1) this.db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      if (level > 1) this.db.pragma(`synchronous = ${level}`);
    }
  }

  get(subscriptionId: string, id: string): DeliveryRow | undefined {
    return this.s.get.get(subscriptionId, id);
  }

  /** Newest first; `before` is a `seq` from an earlier page. */
  list(subscriptionId: string, before: number | undefined, limit: number): DeliveryRow[] {
    return this.s.list.all(subscriptionId, before ?? Number.MAX_SAFE_INTEGER, limit);
  }

  attempts(deliveryId: string): AttemptRow[] {
    return this.s.attempts.all(deliveryId);
  }

  /** Puts a delivery back in its stream's queue (it keeps its place: its `seq`, so the order holds). */
  redeliver(subscriptionId: string, id: string, now = Date.now()): boolean {
    return this.s.redeliver.run(now, subscriptionId, id).changes === 1;
  }

  /**
   * What the next owner needs of the deliveries not settled yet (the lease stream's cursor): the log events'
   * deliveries still pending, in log order, with their retry state. Pings are not in it (any instance sends them).
   */
  pendingEntries(subscriptionId: string): PendingEntry[] {
    return this.s.pendingOfLog.all(subscriptionId).map((d) => {
      const revision = (JSON.parse(d.body) as { data: { revision: number } }).data.revision;
      return [d.order_key, revision, d.id, d.attempts, d.first_attempt_at, d.next_attempt_at] as const;
    });
  }

  /** When the first pending head of a ticket's queue (log events only) can be sent; undefined with none pending. */
  nextHeadDueAt(subscriptionId: string): number | undefined {
    return this.s.nextHeadDue.get(subscriptionId, subscriptionId)?.at ?? undefined;
  }

  /** Redeliveries asked of this instance and not sent yet (this instance then claims the subscription to send them). */
  redeliveriesWaiting(subscriptionId: string): number {
    return this.s.redeliveries.get(subscriptionId)!.n;
  }

  /**
   * Makes this file agree with the cursor recorded in the lease stream, on taking a subscription over: the
   * deliveries pending here that the stream does not list as pending were settled by another owner (or are
   * read again after `cursor`) and go; the stream's pending ones are put back with their retry state, in log
   * order (so each ticket's order holds), under their delivery ids; the cursor moves to the stream's. Deliveries
   * settled here stay (a 2xx this instance got and could not record is not sent again). One transaction.
   */
  adopt(subscriptionId: string, cursor: Position, pending: readonly AdoptedDelivery[], now = Date.now()): void {
    this.db.transaction(() => {
      this.s.dropAttemptsOfPendingLog.run(subscriptionId);
      this.s.dropPendingLog.run(subscriptionId);
      // Left after the drop: deliveries settled here (or redelivered here): kept as they are.
      for (const d of pending) if (!this.s.byEvent.get(subscriptionId, d.eventId)) this.s.insertAdopted.run({ ...d, now });
      this.s.saveCursor.run(subscriptionId, cursor.commit, cursor.prepare, now);
    })();
  }

  /** Forgets settled deliveries (delivered or failed) made before `before`, with their attempts. Pending ones stay. */
  purge(before: number): number {
    return this.db.transaction(() => {
      this.s.purgeAttempts.run(before);
      return this.s.purgeDeliveries.run(before).changes;
    })();
  }
}

export interface AdoptedDelivery extends NewDelivery {
  readonly attempts: number;
  readonly firstAt: number | null;
  readonly nextAt: number;
}
