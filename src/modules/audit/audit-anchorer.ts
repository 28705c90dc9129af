import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { AnchorLedger } from './anchor-ledger';

const BATCH = 250;

/** Anchors every event after the ledger's head, reading the global log through the port. */
export async function anchorPending(store: EventStore, ledger: AnchorLedger): Promise<number> {
  let added = 0;
  for (;;) {
    const events = await store.readAll({ fromPosition: ledger.head()?.position, maxCount: BATCH });
    added += ledger.append(events);
    if (events.length < BATCH) return added;
    // The embedded store answers without I/O, so without this a long run would hold the event loop (and
    // every request) until it ends: let requests in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Writes audit anchors every LEAD_AUDIT_ANCHOR_INTERVAL_MS, and once more on shutdown. It is not a projection
 * on purpose: projections may be emptied and rebuilt from the log, which would re-sign a rewritten history,
 * and writes need not wait for it (read-your-writes waits for projections only).
 */
@Injectable()
export class AuditAnchorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly ledger: AnchorLedger,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.settings.auditAnchorIntervalMs;
    if (every > 0) this.timer = setInterval(() => void this.anchorNow().catch((e: unknown) => this.logger.error(`anchoring failed: ${String(e)}`)), every).unref();
  }

  /** One run at a time: a call during a run waits for it and then runs again, so it covers what it asked for. */
  async anchorNow(): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = anchorPending(this.store, this.ledger);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.anchorNow().catch((e: unknown) => this.logger.error(`last anchoring failed: ${String(e)}`));
  }
}
