import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import { EventMetadata, RecordedEvent } from './event-store.port';

/**
 * Tamper evidence: every event's metadata carries `hash` = sha256(previous event's hash + canonical event),
 * so editing, removing or reordering any stored event breaks the chain from that event on. The canonical
 * form covers what the writer knows before the store answers (stream, revision, id, type, data, metadata
 * with its `occurredAt`), not store-assigned positions, so both stores verify the same way.
 */
export const GENESIS_HASH = '0'.repeat(64);

const canonical = configure({ deterministic: true, bigint: false, circularValue: Error });

/** Key-sorted JSON: the same value always gives the same text, whatever the property order. */
export const canonicalJson = (value: unknown): string => canonical(value)!;

export interface Chainable {
  readonly streamName: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export function eventHash(previousHash: string, event: Chainable): string {
  const { hash: _ignored, ...metadata } = event.metadata;
  const body = canonical({
    stream: event.streamName,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: event.data,
    metadata,
  });
  return createHash('sha256').update(previousHash).update('\n').update(body!).digest('hex');
}

export function lastHash(events: readonly RecordedEvent[]): string {
  const last = events[events.length - 1];
  return typeof last?.metadata.hash === 'string' ? last.metadata.hash : GENESIS_HASH;
}

export type ChainVerdict =
  | { readonly valid: true; readonly events: number; readonly head: string }
  | { readonly valid: false; readonly events: number; readonly brokenAt: { readonly revision: string; readonly eventId: string }; readonly reason: string };

/**
 * Whether `event` is the right next link of its stream: the revision after `expectedRevision - 1` and a hash
 * over `previousHash`. Returns the reason it is not, or undefined. Shared by `verifyChain` (one stream) and
 * the store verifier, which walks the global log and keeps one running head per stream.
 */
export function checkLink(event: Chainable, expectedRevision: bigint, previousHash: string): string | undefined {
  if (event.revision !== expectedRevision) {
    return `expected revision ${expectedRevision} here, found ${event.revision}: an event is missing or out of order`;
  }
  if (event.metadata.hash !== eventHash(previousHash, event)) {
    return 'the stored hash does not match the event: it was altered, or an event before it was removed or reordered';
  }
  return undefined;
}

/** Walks one stream from its first event; names the first event where the chain no longer holds. */
export function verifyChain(events: readonly RecordedEvent[], expectedLastRevision?: bigint): ChainVerdict {
  let previous = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const reason = checkLink(event, BigInt(i), previous);
    if (reason) return { valid: false, events: events.length, brokenAt: { revision: event.revision.toString(), eventId: event.id }, reason };
    previous = event.metadata.hash as string;
  }
  if (expectedLastRevision !== undefined && BigInt(events.length - 1) !== expectedLastRevision) {
    const last = events[events.length - 1];
    return {
      valid: false,
      events: events.length,
      brokenAt: { revision: String(events.length), eventId: last?.id ?? '' },
      reason: `the stream should end at revision ${expectedLastRevision} but ends at ${events.length - 1}: events were removed from its end`,
    };
  }
  return { valid: true, events: events.length, head: previous };
}
