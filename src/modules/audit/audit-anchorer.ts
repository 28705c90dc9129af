import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { EVENT_STORE, EventStore, RecordedEvent } from '../../platform/event-store/event-store.port';
import { AnchorLedger } from './anchor-ledger';
import { PeriodicJob } from '../../platform/jobs/periodic-job';
import { ChainKey, GENESIS_HASH, afterKeyedFrom, checkLink } from '../../platform/event-store/hash-chain';
import { KeyedFrom } from './keyed-from';
import { formatPosition } from './positions';

const BATCH = 250;

export interface AnchorOptions {
  readonly key: Buffer;
  /** Called with the reason when an event fails its link: it and everything after it stay unanchored. */
  readonly onRefused?: (reason: string) => void;
  readonly keyedFrom?: KeyedFrom;
}

/**
 * Anchors every event after the ledger's head, reading the global log through the port. Each event's chain
 * link is checked first (keyed, or an unkeyed event from before the first keyed one), so the anchors never
 * sign a row written behind the service's back; anchoring stops before the first event that fails.
 */
export async function anchorPending(store: EventStore, ledger: AnchorLedger, options: AnchorOptions): Promise<number> {
  const keyedFrom = options.keyedFrom ?? new KeyedFrom(store);
  const heads = new Map<string, string>();
  let added = 0;
  for (;;) {
    const events = await store.readAll({ fromPosition: ledger.head()?.position, maxCount: BATCH });
    const from = await keyedFrom.position();
    let sound = 0;
    for (const event of events) {
      const reason = checkLink(event, event.revision, await previousHash(store, event, heads), {
        key: options.key,
        keyedBefore: afterKeyedFrom(event.position, from),
      });
      if (reason) {
        options.onRefused?.(
          `${event.streamName} revision ${event.revision} event ${event.id} position ${formatPosition(event.position)}: ${reason}`,
        );
        break;
      }
      heads.set(event.streamName, String(event.metadata.hash));
      sound++;
    }
    added += ledger.append(events.slice(0, sound));
    if (sound < events.length || events.length < BATCH) return added;
    // The embedded store answers without I/O, so without this a long run would hold the event loop (and
    // every request) until it ends: let requests in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The chain hash before `event` in its stream: from this run, else read from the store. */
async function previousHash(store: EventStore, event: RecordedEvent, heads: Map<string, string>): Promise<string> {
  if (event.revision === 0n) return GENESIS_HASH;
  const known = heads.get(event.streamName);
  if (known !== undefined) return known;
  const [previous] = await store.readStream(event.streamName, { fromRevision: event.revision - 1n, maxCount: 1 });
  // No predecessor: the link then cannot match anything a genuine writer made.
  return previous?.revision === event.revision - 1n ? String(previous.metadata.hash) : 'missing';
}

/**
 * Writes audit anchors every LEAD_AUDIT_ANCHOR_INTERVAL_MS, and once more on shutdown. It is not a projection
 * on purpose: projections may be emptied and rebuilt from the log, which would re-sign a rewritten history,
 * and writes need not wait for it (read-your-writes waits for projections only).
 */
@Injectable()
export class AuditAnchorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly job = new PeriodicJob('audit anchoring', () =>
    anchorPending(this.store, this.ledger, { key: this.chain.key, keyedFrom: this.keyedFrom, onRefused: (reason) => this.refused(reason) }),
  );
  private readonly keyedFrom: KeyedFrom;
  private lastRefusal?: string;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly ledger: AnchorLedger,
    private readonly chain: ChainKey,
  ) {
    this.keyedFrom = new KeyedFrom(store);
  }

  onApplicationBootstrap(): void {
    this.job.start(this.settings.auditAnchorIntervalMs);
  }

  /** One run at a time: a call during a run waits for it and then runs again, so it covers what it asked for. */
  anchorNow(): Promise<number> {
    return this.job.run();
  }

  /** Logged once per event (the timer meets it again every interval until an operator acts). */
  private refused(reason: string): void {
    if (reason === this.lastRefusal) return;
    this.lastRefusal = reason;
    this.logger.error(`anchoring stopped: not signing ${reason}; run npm run audit:verify`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
    await this.anchorNow().catch((e: unknown) => this.logger.error(`last anchoring failed: ${String(e)}`));
  }
}
