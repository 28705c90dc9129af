import { SqliteDatabase } from '../../sqlite/sqlite-database';

/** What a request carrying an Idempotency-Key may do. */
export type Claim =
  /** Run it, then `complete` (a 2xx answer) or `release` (a refusal that changed nothing). */
  | { readonly kind: 'execute' }
  /** Answered before: send this again. */
  | { readonly kind: 'replay'; readonly status: number; readonly body: unknown }
  /** The key was used with another request (body or user): refuse. */
  | { readonly kind: 'mismatch' }
  /** A request with this key is running now (or died less than a lease ago): refuse, the client retries. */
  | { readonly kind: 'in_progress' };

export interface IdempotencyOptions {
  /** How long an answer is kept for replay. */
  readonly retentionMs: number;
  /** How long a running request holds its key; a request that died frees it after this. */
  readonly leaseMs: number;
  readonly now: () => number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyOptions = { retentionMs: 24 * 3600_000, leaseMs: 60_000, now: Date.now };

interface Row {
  fingerprint: string;
  state: 'in_progress' | 'done';
  status: number | null;
  body: string | null;
  created_at: number;
  lease_until: number;
}

/**
 * Idempotency keys in the SQLite file of the read models, scoped by caller and route. A claim is one
 * IMMEDIATE transaction, so of two requests with one key, on one instance or several sharing the file, exactly
 * one gets `execute`.
 */
export class IdempotencyStore {
  private readonly stmts;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: IdempotencyOptions = DEFAULT_IDEMPOTENCY_OPTIONS,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')), status INTEGER, body TEXT,
        created_at INTEGER NOT NULL, lease_until INTEGER NOT NULL, PRIMARY KEY (scope, key));
      CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
    `);
    this.stmts = {
      get: db.prepare<[string, string], Row>(
        'SELECT fingerprint, state, status, body, created_at, lease_until FROM idempotency_keys WHERE scope = ? AND key = ?',
      ),
      start: db.prepare(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at, lease_until) VALUES (@scope, @key, @fingerprint, 'in_progress', @now, @lease)
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_progress', status = NULL, body = NULL,
           created_at = excluded.created_at, lease_until = excluded.lease_until`,
      ),
      complete: db.prepare(
        `UPDATE idempotency_keys SET state = 'done', status = ?, body = ? WHERE scope = ? AND key = ? AND state = 'in_progress'`,
      ),
      release: db.prepare(`DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'in_progress'`),
      purge: db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?'),
      releaseInFlight: db.prepare(`DELETE FROM idempotency_keys WHERE state = 'in_progress'`),
      forgetAnswers: db.prepare(`DELETE FROM idempotency_keys WHERE state <> 'in_progress'`),
    };
  }

  claim(scope: string, key: string, fingerprint: string): Claim {
    return this.db
      .transaction((): Claim => {
        const now = this.options.now();
        const row = this.stmts.get.get(scope, key);
        const live = row && row.created_at >= now - this.options.retentionMs;
        if (live && row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (live && row.state === 'done') return { kind: 'replay', status: row.status!, body: JSON.parse(row.body!) };
        if (live && row.lease_until > now) return { kind: 'in_progress' };
        // New, expired, or held by a request that did not finish within its lease: this request takes it.
        this.stmts.start.run({ scope, key, fingerprint, now, lease: now + this.options.leaseMs });
        return { kind: 'execute' };
      })
      .immediate();
  }

  complete(scope: string, key: string, status: number, body: unknown): void {
    this.stmts.complete.run(status, JSON.stringify(body ?? null), scope, key);
  }

  release(scope: string, key: string): void {
    this.stmts.release.run(scope, key);
  }

  /**
   * At start: frees the keys of requests that were running when the service stopped, so their retries run
   * now instead of after the lease. Safe because a keyed command that did write finds its events on the
   * retry and writes nothing again (handleCommand); answers how many.
   */
  releaseInFlight(): number {
    return this.stmts.releaseInFlight.run().changes;
  }

  /**
   * Forgets every stored answer (an erasure: answers hold the plaintext of whoever was written about, and a
   * stored answer does not say whose). Safe for the same reason as `releaseInFlight`: a retried keyed request
   * runs again and its command finds its own events. Answers how many.
   */
  forgetAnswers(): number {
    return this.stmts.forgetAnswers.run().changes;
  }

  /** Forgets keys older than the retention window; answers how many. */
  purgeExpired(): number {
    return this.stmts.purge.run(this.options.now() - this.options.retentionMs).changes;
  }
}
