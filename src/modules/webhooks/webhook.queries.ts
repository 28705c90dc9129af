import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/command/domain-error';
import { Position } from '../../platform/event-store/event-store.port';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { WebhookStatus } from './webhook.decider';

interface Row {
  id: string;
  company_id: string;
  url: string;
  events: string;
  description: string;
  status: WebhookStatus;
  disabled_reason: string | null;
  secrets: string;
  created_at: string;
  updated_at: string;
  start_commit: bigint;
  start_prepare: bigint;
}

/** A subscription as the worker uses it. */
export interface Subscription {
  readonly id: string;
  readonly companyId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly status: WebhookStatus;
  readonly disabledReason: string | null;
  /** Sealed secrets that sign now: the current one first, then one in its overlap with its end (ms). */
  readonly secrets: readonly { sealed: string; expiresAt: number | null }[];
  /** Events after this position are delivered (the subscription's creation). */
  readonly start: Position;
}

/** A subscription on the wire. The secret is never in it: it is shown once, by create and rotate. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string;
  status: WebhookStatus;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
  /** During a rotation's overlap, when the previous secret stops signing; else null. */
  previous_secret_expires_at: string | null;
}

const toSubscription = (r: Row): Subscription => ({
  id: r.id,
  companyId: r.company_id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  status: r.status,
  disabledReason: r.disabled_reason,
  secrets: (JSON.parse(r.secrets) as { sealed: string; expires_at: string | null }[]).map((s) => ({
    sealed: s.sealed,
    expiresAt: s.expires_at === null ? null : Date.parse(s.expires_at),
  })),
  start: { commit: BigInt(r.start_commit), prepare: BigInt(r.start_prepare) },
});

function toView(r: Row, now = Date.now()): WebhookView {
  const previous = (JSON.parse(r.secrets) as { expires_at: string | null }[]).find(
    (s) => s.expires_at !== null && Date.parse(s.expires_at) > now,
  );
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    description: r.description,
    status: r.status,
    disabled_reason: r.disabled_reason,
    created_at: r.created_at,
    updated_at: r.updated_at,
    previous_secret_expires_at: previous?.expires_at ?? null,
  };
}

@Injectable()
export class WebhookQueries {
  private readonly s;

  constructor(@Inject(SQLITE_DB) db: SqliteDatabase) {
    // The table is the webhooks projection's; it exists once the projections have started (before any route).
    this.s = {
      get: () => db.prepare<[string], Row>('SELECT * FROM rm_webhooks WHERE id = ?').safeIntegers(),
      list: () => db.prepare<[string], Row>('SELECT * FROM rm_webhooks WHERE company_id = ? ORDER BY created_at, id').safeIntegers(),
      all: () => db.prepare<[], Row>('SELECT * FROM rm_webhooks ORDER BY created_at, id').safeIntegers(),
    };
  }

  private row(companyId: string, id: string): Row {
    const row = this.s.get().get(id);
    // Another company's subscription is answered as a missing one.
    if (!row || row.company_id !== companyId) throw new DomainError('not_found', 'No such webhook subscription');
    return row;
  }

  view(companyId: string, id: string): WebhookView {
    return toView(this.row(companyId, id));
  }

  list(companyId: string): WebhookView[] {
    return this.s
      .list()
      .all(companyId)
      .map((r) => toView(r));
  }

  subscription(companyId: string, id: string): Subscription {
    return toSubscription(this.row(companyId, id));
  }

  /** Every subscription of every company: the worker's list. */
  all(): Subscription[] {
    return this.s.all().all().map(toSubscription);
  }
}
