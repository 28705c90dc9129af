import { CorruptEventError, Position, RecordedEvent, comparePositions } from '../../platform/event-store/event-store.port';
import { Anchor, CheckedAnchor, eventDigest } from './anchor-ledger';
import { auditGaps } from '../../platform/event-store/audit-metadata';
import { verifyChain } from '../../platform/event-store/hash-chain';
import { formatPosition } from './positions';

/** One thing wrong with the log, named as precisely as the check that found it can. */
export interface Finding {
  readonly check: 'chain' | 'anchor' | 'read-model' | 'stream-revision' | 'positions' | 'ledger' | 'external-anchor' | 'corrupt';
  readonly stream?: string;
  readonly revision?: string;
  readonly eventId?: string;
  readonly position?: string;
  readonly reason: string;
}

export interface StreamAudit {
  readonly stream: string;
  readonly events: number;
  readonly valid: boolean;
  /** The earliest finding: where the stream stops being trustworthy. */
  readonly broken?: Finding;
  readonly findings: Finding[];
  /** The last revision covered by an anchor; later events are not yet anchored (normal for a few seconds). */
  readonly anchoredThrough?: string;
  readonly pendingAnchor: number;
  /** Events that lack audit metadata (integrity is not in question, completeness is). */
  readonly incomplete: { revision: string; eventId: string; missing: string[] }[];
}

/**
 * Everything known about one stream: its hash chain, the anchors of its events, and (for a ticket) the
 * revision its read model has applied, which the stream must reach.
 */
export function auditStream(
  stream: string,
  events: readonly RecordedEvent[],
  anchors: readonly CheckedAnchor[],
  minLastRevision?: bigint,
  chainCheck: { key?: Buffer; keyedFrom?: Position } = {},
): StreamAudit {
  const findings: Finding[] = [];
  const chain = verifyChain(events, undefined, chainCheck);
  if (!chain.valid)
    findings.push({ check: 'chain', stream, revision: chain.brokenAt.revision, eventId: chain.brokenAt.eventId, reason: chain.reason });
  const anchorFinding = compareWithAnchors(stream, events, anchors);
  if (anchorFinding) findings.push(anchorFinding);
  const last = events.length ? events[events.length - 1].revision : -1n;
  if (minLastRevision !== undefined && last < minLastRevision) {
    const reason = `the read model has applied revision ${minLastRevision} but the stream ends at ${last}: events were removed from its end`;
    findings.push({ check: 'read-model', stream, revision: String(last + 1n), reason });
  }
  const anchoredThrough = anchors.length ? anchors[anchors.length - 1].revision : undefined;
  const broken = [...findings].sort((a, b) => Number(a.revision ?? Infinity) - Number(b.revision ?? Infinity))[0];
  return {
    stream,
    events: events.length,
    valid: findings.length === 0,
    ...(broken ? { broken } : {}),
    findings,
    ...(anchoredThrough !== undefined ? { anchoredThrough: String(anchoredThrough) } : {}),
    pendingAnchor: events.filter((e) => anchoredThrough === undefined || e.revision > anchoredThrough).length,
    incomplete: events.flatMap((e) => {
      const missing = auditGaps(e.metadata);
      return missing.length ? [{ revision: String(e.revision), eventId: e.id, missing }] : [];
    }),
  };
}

/** A stream that cannot be read because one of its events is not readable: audited as broken there. */
export function unreadableStream(stream: string, error: CorruptEventError): StreamAudit {
  const broken: Finding = {
    check: 'corrupt',
    stream,
    revision: String(error.at.revision),
    eventId: error.at.eventId,
    position: formatPosition(error.at.position),
    reason: error.reason,
  };
  return { stream, events: 0, valid: false, broken, findings: [broken], pendingAnchor: 0, incomplete: [] };
}

/** The first anchor that the stored events no longer match, as a finding. */
function compareWithAnchors(stream: string, events: readonly RecordedEvent[], anchors: readonly CheckedAnchor[]): Finding | undefined {
  const byRevision = new Map(events.map((e) => [e.revision, e]));
  for (const anchor of anchors) {
    const reason = anchor.problem ?? anchorMismatch(anchor, byRevision.get(anchor.revision));
    if (reason)
      return {
        check: 'anchor',
        stream,
        revision: String(anchor.revision),
        eventId: anchor.eventId,
        position: formatPosition(anchor.position),
        reason,
      };
  }
  return undefined;
}

/** Why the event stored where `anchor` points is not the event that was anchored, or undefined. */
export function anchorMismatch(anchor: Anchor, event: RecordedEvent | undefined): string | undefined {
  const since = `anchored at ${anchor.anchoredAt}`;
  if (!event) return `the event ${since} (${anchor.stream} revision ${anchor.revision}) is missing: it was removed after anchoring`;
  if (event.id !== anchor.eventId)
    return `event ${event.id} is stored where event ${anchor.eventId} was ${since} (${anchor.stream} revision ${anchor.revision})`;
  if (event.streamName !== anchor.stream || event.revision !== anchor.revision) {
    return `the event ${since} as ${anchor.stream} revision ${anchor.revision} now says ${event.streamName} revision ${event.revision}: it was moved`;
  }
  if (comparePositions(event.position, anchor.position) !== 0) {
    return `the event ${since} moved from position ${formatPosition(anchor.position)} to ${formatPosition(event.position)}`;
  }
  if (eventDigest(event) !== anchor.digest) return `the event was changed after it was ${since}: it no longer matches its anchored digest`;
  return undefined;
}
