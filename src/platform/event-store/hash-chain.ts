import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import { EventMetadata, Position, RecordedEvent, comparePositions, storedForm } from './event-store.port';

/**
 * Tamper evidence: every event's metadata carries `hash`, a link over the previous event's hash and the
 * canonical event, so editing, removing or reordering any stored event breaks the chain from that event on.
 * The canonical form covers what the writer knows before the store answers (stream, revision, id, type, data,
 * metadata with its `occurredAt`), not store-assigned positions, so every adapter verifies the same way.
 *
 * Two schemes, told apart by `metadata.hashScheme` (which the link itself covers):
 * - 1 (no `hashScheme`; events written before keyed chains): sha256. Anyone can compute it, so a database
 *   writer can append an event with a valid link; only the anchors catch that, once they cover the event.
 * - 2 (`hashScheme: 2`): HMAC-SHA256 under the audit key. Without the key no valid link can be made, so an
 *   event written behind the service's back fails at once, anchored or not.
 * Today's writers only write scheme 2, so a scheme-1 event AFTER a scheme-2 event (in its stream, or in the
 * global log) cannot come from the service: it is a downgrade forgery and is reported as such.
 */
export const GENESIS_HASH = '0'.repeat(64);
export const KEYED_SCHEME = 2;

/** The audit key as the writers and verifiers of keyed links hold it (DI token: one per process). */
export class ChainKey {
  constructor(readonly key: Buffer) {}
}

/** A keyed event met by a verifier that has no key: it cannot say whether the event is genuine. */
export class NoAuditKeyError extends Error {
  constructor() {
    super('keyed (scheme 2) events cannot be checked without the audit key: set LEAD_AUDIT_KEY or provide <data dir>/audit-key');
    this.name = 'NoAuditKeyError';
  }
}

export const isKeyed = (event: { readonly metadata: EventMetadata }): boolean => event.metadata.hashScheme === KEYED_SCHEME;

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

function linkBody(event: Chainable): string {
  // The stored form: a reader that decrypted personal fields hands out another form than the one chained.
  const stored = storedForm(event);
  const { hash: _ignored, ...metadata } = stored.metadata;
  return canonical({
    stream: event.streamName,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: stored.data,
    metadata,
  })!;
}

/** Scheme 1: the unkeyed link (events written before keyed chains, and what a forger without the key can make). */
export function eventHash(previousHash: string, event: Chainable): string {
  return createHash('sha256').update(previousHash).update('\n').update(linkBody(event)).digest('hex');
}

/** Scheme 2: the keyed link. The event's metadata must already say `hashScheme: 2` (it is part of the body). */
export function keyedEventHash(key: Buffer, previousHash: string, event: Chainable): string {
  return createHmac('sha256', key).update(previousHash).update('\n').update(linkBody(event)).digest('hex');
}

/** What a writer stores: metadata marked scheme 2 and its keyed link. */
export function keyedLink(key: ChainKey, previousHash: string, event: Chainable): EventMetadata {
  const metadata = { ...event.metadata, hashScheme: KEYED_SCHEME };
  return { ...metadata, hash: keyedEventHash(key.key, previousHash, { ...event, metadata }) };
}

const sameHex = (a: string, b: unknown): boolean =>
  typeof b === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * How a verifier judges links: with the key (needed for scheme 2) and, for a stream read on its own, the
 * global position of the log's first keyed event (an unkeyed event after it is a downgrade forgery).
 */
export interface LinkCheck {
  readonly key?: Buffer;
  /** An unkeyed event was preceded by a keyed one: in its stream, or in the log when the walker knows it. */
  readonly keyedBefore?: boolean;
}

export function lastHash(events: readonly RecordedEvent[]): string {
  const last = events[events.length - 1];
  return typeof last?.metadata.hash === 'string' ? last.metadata.hash : GENESIS_HASH;
}

export type ChainVerdict =
  | { readonly valid: true; readonly events: number; readonly head: string }
  | {
      readonly valid: false;
      readonly events: number;
      readonly brokenAt: { readonly revision: string; readonly eventId: string };
      readonly reason: string;
    };

/**
 * Whether `event` is the right next link of its stream: the revision after `expectedRevision - 1` and a hash
 * over `previousHash`. Returns the reason it is not, or undefined. Shared by `verifyChain` (one stream) and
 * the store verifier, which walks the global log and keeps one running head per stream.
 */
export function checkLink(event: Chainable, expectedRevision: bigint, previousHash: string, check: LinkCheck = {}): string | undefined {
  if (event.revision !== expectedRevision) {
    return `expected revision ${expectedRevision} here, found ${event.revision}: an event is missing or out of order`;
  }
  if (isKeyed(event)) {
    if (!check.key) throw new NoAuditKeyError();
    if (!sameHex(keyedEventHash(check.key, previousHash, event), event.metadata.hash)) {
      return 'the stored keyed hash does not match the event: it was written or altered without the audit key, or an event before it was removed or reordered';
    }
    return undefined;
  }
  if (event.metadata.hashScheme !== undefined)
    return `unknown hash scheme ${JSON.stringify(event.metadata.hashScheme)}: not written by this service`;
  if (check.keyedBefore) {
    return 'an unkeyed (scheme 1) event after keyed ones: the service writes keyed links only, so it was written behind its back without the audit key';
  }
  if (!sameHex(eventHash(previousHash, event), event.metadata.hash)) {
    return 'the stored hash does not match the event: it was altered, or an event before it was removed or reordered';
  }
  return undefined;
}

/** Whether an event at `position` comes after the log's first keyed event (`keyedFrom`), if there is one. */
export const afterKeyedFrom = (position: Position, keyedFrom: Position | undefined): boolean =>
  keyedFrom !== undefined && comparePositions(position, keyedFrom) > 0;

/** Walks one stream from its first event; names the first event where the chain no longer holds. */
export function verifyChain(
  events: readonly RecordedEvent[],
  expectedLastRevision?: bigint,
  options: { key?: Buffer; keyedFrom?: Position } = {},
): ChainVerdict {
  let previous = GENESIS_HASH;
  let keyedSeen = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const keyedBefore = keyedSeen || afterKeyedFrom(event.position, options.keyedFrom);
    const reason = checkLink(event, BigInt(i), previous, { key: options.key, keyedBefore });
    keyedSeen ||= isKeyed(event);
    if (reason)
      return { valid: false, events: events.length, brokenAt: { revision: event.revision.toString(), eventId: event.id }, reason };
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
