/**
 * The one event-store port. Every adapter (sqlite, memory, eventstoredb) implements it and is pinned by the
 * shared contract suite in `event-store.contract.ts`. Semantics follow EventStoreDB so that the embedded store
 * and the production store behave the same: 0-based stream revisions, an exclusive start position for
 * subscriptions, and idempotent re-appends of the same event ids at the same exact expected revision.
 */

/** `bigint` = the revision of the LAST event now in the stream (0-based), as in EventStoreDB. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/**
 * A position in the global log. EventStoreDB needs both halves (events of one commit share `commit`);
 * the embedded stores use one counter for both. Compare with `comparePositions`.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export interface Actor {
  readonly type: 'storefront_user' | 'application' | 'staff_client' | 'staff_user' | 'system';
  readonly id: string;
  /** A staff user acts through an API client that vouches for them: which one. */
  readonly clientId?: string;
}

export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: Actor;
  readonly tenant?: { readonly companyId: string; readonly applicationId?: string };
  readonly [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = Record<string, unknown>> {
  /** uuid; give a deterministic one (see `deterministicEventId`) to make a retried append idempotent. */
  readonly id?: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = Record<string, unknown>> {
  readonly id: string;
  readonly streamName: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly revision: bigint;
  readonly position: Position;
  readonly created: Date;
}

export interface AppendResult {
  readonly nextExpectedRevision: bigint;
  /** Position of the last event written (or found, on an idempotent re-append). */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to read from the start. */
  readonly fromPosition?: Position;
  readonly maxCount?: number;
}

export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; pending `next()` calls resolve with `done`. */
  close(): Promise<void>;
  /**
   * Optional: the same events in the batches the adapter reads them, without a promise per event (projection
   * rebuilds). Iterate a subscription one way only. Callers fall back to the event iteration when absent.
   */
  batches?(): AsyncIterable<readonly RecordedEvent[]>;
}

export interface EventStore {
  append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** A stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The global log in position order. Positions become visible in order: once a reader has seen position p,
   * no event at a lower position can appear later (the change feed and subscriptions rely on it).
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch up from `fromPosition` (exclusive), then deliver live events, in global order, each once. */
  subscribeToAll(options?: { fromPosition?: Position }): Subscription;
  /**
   * Optional: how many events the global log holds after `position` (exclusive), counting at most `limit`
   * (projection lag). Callers fall back to reading the log (`countEventsAfter`).
   */
  countAfter?(position: Position | undefined, limit: number): Promise<number>;
  /**
   * Optional, embedded SQLite only: read models applied inside the append's own transaction ("inline", as in
   * Marten). Only one projector per store; `undefined` removes it. Adapters without it feed every projection
   * asynchronously (docs/architecture.md, read-your-writes).
   */
  setInlineProjector?(projector: InlineProjector | undefined): void;
  /** Throws when the store cannot be reached; used at start and by the readiness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What an adapter that supports inline read models calls during an append. All calls of one group commit run
 * inside its one transaction; each append's `apply` runs inside that append's savepoint, after its events are
 * written, so what it writes commits or rolls back with them.
 */
export interface InlineProjector {
  /**
   * `previous` is the last position in the log before these events (undefined: the log was empty). Throwing
   * refuses the append: its savepoint is rolled back, events and read-model rows alike.
   */
  apply(events: readonly RecordedEvent[], previous: Position | undefined): void;
  /** Inside the shared transaction, after its last append: what is written once per group commit (checkpoints). */
  beforeCommit(): void;
  /** The shared transaction committed: what `apply` did is durable now. */
  committed(): void;
  /** The shared transaction rolled back: forget what `apply` did. */
  rolledBack(): void;
}

/** Injection token for the configured adapter. */
export const EVENT_STORE = Symbol('EVENT_STORE');

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** `undefined` when the stream does not exist. */
    readonly actual: bigint | undefined,
  ) {
    super(`Stream ${streamName}: expected revision ${String(expected)}, actual ${actual === undefined ? 'no stream' : String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** The store cannot be reached right now; the caller may retry. */
export class StoreUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

/** Events after `position` (at most `limit`): the adapter's count when it has one, else a read of the log. */
export async function countEventsAfter(store: EventStore, position: Position | undefined, limit: number): Promise<number> {
  if (store.countAfter) return store.countAfter(position, limit);
  let count = 0;
  let from = position;
  while (count < limit) {
    const page = await store.readAll({ fromPosition: from, maxCount: Math.min(1000, limit - count) });
    count += page.length;
    if (page.length === 0) break;
    from = page[page.length - 1].position;
  }
  return count;
}
