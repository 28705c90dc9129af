import { CorruptEventError, EventStore, Position, RecordedEvent, comparePositions } from '../../platform/event-store/event-store.port';
import { Anchor, AnchorLedger } from './anchor-ledger';
import { auditGaps } from '../../platform/event-store/audit-metadata';
import { GENESIS_HASH, checkLink, isKeyed } from '../../platform/event-store/hash-chain';
import { formatPosition } from './positions';
import { SqliteLogFacts } from './sqlite-log-checks';
import { Finding, anchorMismatch } from './stream-audit';

/** The newest anchor, exported for an auditor to keep outside the service (`npm run audit:export-anchor`). */
export interface ExportedAnchor {
  readonly format: 'lead-audit-anchor/v1';
  readonly seq: number;
  readonly position: string;
  readonly mac: string;
  readonly anchored_at: string;
}

export const exportAnchor = (a: Anchor): ExportedAnchor => ({
  format: 'lead-audit-anchor/v1',
  seq: a.seq,
  position: formatPosition(a.position),
  mac: a.mac,
  anchored_at: a.anchoredAt,
});

export interface StoreReport {
  readonly events: number;
  readonly streams: number;
  readonly anchors: number;
  /** Exported anchors the ledger was checked against. */
  readonly externalAnchors: number;
  /** Events after the newest anchor: not yet anchored. */
  readonly pendingAnchor: number;
  readonly findings: Finding[];
  /** Events without the full audit metadata (who, tenant, correlation, causation, source, time, hash). */
  readonly incomplete: { stream: string; revision: string; missing: string[] }[];
}

export interface VerifyStoreOptions {
  readonly ledger?: AnchorLedger;
  readonly sqlite?: SqliteLogFacts;
  readonly externalAnchors?: readonly ExportedAnchor[];
  /** The audit key: needed for keyed (scheme 2) links; without it a keyed event throws NoAuditKeyError. */
  readonly key?: Buffer;
}

const BATCH = 1000;

/**
 * Verifies the whole store through the port: walks the global log once, keeping one running chain head per
 * stream (memory grows with streams, not events), and beside it the anchor ledger, which is in the same
 * order. Reports the first broken event of each stream per check, so one edit does not drown the rest.
 */
export async function verifyStore(store: EventStore, options: VerifyStoreOptions = {}): Promise<StoreReport> {
  const findings: Finding[] = [...(options.sqlite?.findings ?? [])];
  const heads = new Map<string, StreamHead>();
  const anchorReported = new Set<string>();
  const incomplete: StoreReport['incomplete'] = [];
  // The ledger as it is now: anchors written while the walk runs may cover events the walk has not read.
  const ledgerHead = options.ledger?.head();
  const anchorCount = options.ledger?.count() ?? 0;
  const ledgerEnd = ledgerHead?.position;
  const anchors = options.ledger ? new LedgerWalk(options.ledger, findings, ledgerHead?.seq ?? 0) : undefined;
  let events = 0;
  let pendingAnchor = 0;
  // Once one keyed event has been written, every later one in the log must be keyed too (no downgrade).
  let keyedSeen = false;
  const anchorFinding = (stream: string, finding: Finding) => {
    if (anchorReported.has(stream)) return;
    anchorReported.add(stream);
    findings.push(finding);
  };

  let from: Position | undefined;
  for (;;) {
    let batch: RecordedEvent[];
    try {
      batch = await store.readAll({ fromPosition: from, maxCount: BATCH });
    } catch (error) {
      if (!(error instanceof CorruptEventError)) throw error;
      // A finding with its position, then on past it: one damaged row must not hide the rest of the log.
      const { stream, revision, eventId, position } = error.at;
      events++;
      findings.push({
        check: 'corrupt',
        stream,
        revision: String(revision),
        eventId,
        position: formatPosition(position),
        reason: `the event cannot be read: ${error.reason}`,
      });
      const head = heads.get(stream) ?? { next: 0n, hash: GENESIS_HASH, broken: false, count: 0, maxRevision: -1n };
      heads.set(stream, {
        next: revision + 1n,
        hash: '',
        broken: true,
        count: head.count + 1,
        maxRevision: revision > head.maxRevision ? revision : head.maxRevision,
      });
      // Its anchor (if any) is not also reported as missing: the finding above names the event.
      if (anchors?.peek() && comparePositions(anchors.peek()!.position, position) === 0) anchors.pop();
      from = position;
      continue;
    }
    for (const event of batch) {
      events++;
      from = event.position;
      const at = {
        stream: event.streamName,
        revision: String(event.revision),
        eventId: event.id,
        position: formatPosition(event.position),
      };
      const head = heads.get(event.streamName) ?? { next: 0n, hash: GENESIS_HASH, broken: false, count: 0, maxRevision: -1n };
      const reason = head.broken ? undefined : checkLink(event, head.next, head.hash, { key: options.key, keyedBefore: keyedSeen });
      keyedSeen ||= isKeyed(event);
      if (reason) findings.push({ check: 'chain', ...at, reason });
      heads.set(event.streamName, {
        next: event.revision + 1n,
        hash: String(event.metadata.hash),
        broken: head.broken || reason !== undefined,
        count: head.count + 1,
        maxRevision: event.revision > head.maxRevision ? event.revision : head.maxRevision,
      });

      for (let a = anchors?.peek(); a && comparePositions(a.position, event.position) < 0; a = anchors?.peek()) {
        anchorFinding(a.stream, {
          check: 'anchor',
          stream: a.stream,
          revision: String(a.revision),
          eventId: a.eventId,
          position: formatPosition(a.position),
          reason: anchorMismatch(a, undefined)!,
        });
        anchors!.pop();
      }
      const anchor = anchors?.peek();
      if (anchor && comparePositions(anchor.position, event.position) === 0) {
        const mismatch = anchorMismatch(anchor, event);
        if (mismatch) anchorFinding(event.streamName, { check: 'anchor', ...at, reason: mismatch });
        anchors!.pop();
      } else if (ledgerEnd && comparePositions(event.position, ledgerEnd) < 0) {
        anchorFinding(event.streamName, {
          check: 'anchor',
          ...at,
          reason: 'no anchor covers this event although later events are anchored: it was inserted afterwards, or its anchor was removed',
        });
      } else {
        pendingAnchor++;
      }
      const missing = auditGaps(event.metadata);
      if (missing.length) incomplete.push({ stream: event.streamName, revision: at.revision, missing });
    }
    // Only an empty page is the end: a page may stop short just before an event that cannot be read.
    if (batch.length === 0) break;
  }
  for (let a = anchors?.peek(); a; a = anchors?.peek()) {
    anchorFinding(a.stream, {
      check: 'anchor',
      stream: a.stream,
      revision: String(a.revision),
      eventId: a.eventId,
      position: formatPosition(a.position),
      reason: anchorMismatch(a, undefined)!,
    });
    anchors!.pop();
  }
  if (options.sqlite) findings.push(...compareRevisions(heads, options.sqlite.lastRevisions));
  if (options.ledger) for (const exported of options.externalAnchors ?? []) findings.push(...checkExported(options.ledger, exported));
  const externalAnchors = options.ledger ? (options.externalAnchors ?? []).length : 0;
  return { events, streams: heads.size, anchors: anchorCount, externalAnchors, pendingAnchor, findings, incomplete };
}

/** The ledger in seq order, page by page, checking that no row is missing and every MAC chains on. */
class LedgerWalk {
  private page: Anchor[] = [];
  private seq = 0;
  private mac = GENESIS_HASH;
  private reported = false;

  constructor(
    private readonly ledger: AnchorLedger,
    private readonly findings: Finding[],
    private readonly lastSeq: number,
  ) {}

  peek(): Anchor | undefined {
    if (this.page.length === 0) this.page = this.ledger.after(this.seq, BATCH).filter((a) => a.seq <= this.lastSeq);
    return this.page[0];
  }

  pop(): void {
    const anchor = this.page.shift()!;
    const problem =
      anchor.seq !== this.seq + 1
        ? `anchors ${this.seq + 1}..${anchor.seq - 1} are missing from the ledger: rows were removed`
        : this.ledger.problemOf(anchor, this.mac);
    // The first break is what matters; after it, chain on from the stored rows to still check the rest.
    if (problem && !this.reported) {
      this.reported = true;
      this.findings.push({
        check: 'ledger',
        stream: anchor.stream,
        revision: String(anchor.revision),
        position: formatPosition(anchor.position),
        reason: problem,
      });
    }
    this.seq = anchor.seq;
    this.mac = anchor.mac;
  }
}

interface StreamHead {
  readonly next: bigint;
  readonly hash: string;
  readonly broken: boolean;
  readonly count: number;
  readonly maxRevision: bigint;
}

/** The stream table must agree with the log: last revision R means exactly R + 1 events, 0..R. */
function compareRevisions(heads: Map<string, StreamHead>, lastRevisions: Map<string, bigint>): Finding[] {
  const findings: Finding[] = [];
  for (const [stream, revision] of lastRevisions) {
    const head = heads.get(stream);
    const [count, max] = [head?.count ?? 0, head?.maxRevision ?? -1n];
    if (max !== revision || BigInt(count) !== revision + 1n) {
      const reason = `the stream table says revisions 0..${revision} but the log holds ${count} event(s) up to revision ${max}: events were removed or added behind the store's back`;
      findings.push({ check: 'stream-revision', stream, reason });
    }
  }
  for (const stream of heads.keys()) {
    if (!lastRevisions.has(stream))
      findings.push({
        check: 'stream-revision',
        stream,
        reason: "the stream has events but no row in the stream table: it was written behind the store's back",
      });
  }
  return findings;
}

function checkExported(ledger: AnchorLedger, exported: ExportedAnchor): Finding[] {
  const anchor = ledger.at(exported.seq);
  if (anchor && anchor.mac === exported.mac && formatPosition(anchor.position) === exported.position) return [];
  const reason = anchor
    ? `the ledger's anchor ${exported.seq} differs from the copy exported at ${exported.anchored_at}: the history up to position ${exported.position} was rewritten and re-signed`
    : `the ledger has no anchor ${exported.seq} though one was exported at ${exported.anchored_at}: the ledger (and the log) were cut`;
  return [{ check: 'external-anchor', position: exported.position, reason }];
}
