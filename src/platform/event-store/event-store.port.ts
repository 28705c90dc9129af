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

export interface SealInput {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
}

/**
 * A reader that changes what it hands out (the personal-data layer decrypts) keeps the event as stored under
 * this key; the hash chain covers the stored form (`storedForm`).
 */
export const STORED_FORM = Symbol.for('lead.event-store.stored-form');

/** The data and metadata as the store holds them (what the hash chain covers). */
export function storedForm(event: { readonly data: unknown; readonly metadata: EventMetadata }): {
  readonly data: unknown;
  readonly metadata: EventMetadata;
} {
  return (event as unknown as Record<symbol, { data: unknown; metadata: EventMetadata } | undefined>)[STORED_FORM] ?? event;
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
  /**
   * The most an append may carry, in bytes as `appendSize` counts them (EventStoreDB's MaxAppendSize; the same
   * configured limit on the embedded stores, so that what passes here also passes in production). A larger append
   * throws `AppendTooLargeError` and writes nothing.
   */
  readonly maxAppendSize: number;
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
   * The position of the newest event of the global log (system events aside), undefined for an empty log.
   * Checkpoints beyond it mean the log was cut or replaced (`assertCheckpointsWithinLog`).
   */
  lastPosition(): Promise<Position | undefined>;
  /**
   * Optional: appends the events `claim.build(n)` with n the next number of the sequence `claim.sequence`, the
   * number decided inside the append's own transaction (taken only if the append commits: gapless). Callers
   * use `appendNumbered` (sequences.ts), which reserves through the sequence's stream when this is absent.
   */
  appendNumbered?(stream: string, claim: NumberedEvents, options: { expectedRevision: ExpectedRevision }): Promise<NumberedAppendResult>;
  /**
   * Optional (the personal-data layer, src/platform/privacy): the events about to be appended at `firstRevision`
   * with their personal fields sealed under their data subjects' keys. The command path calls it BEFORE it
   * computes the hash-chain links, so the chain and the anchors cover the stored form and an erasure (a key
   * destroyed) changes nothing they hash.
   */
  sealPersonalData?(stream: string, firstRevision: bigint, events: readonly SealInput[], history: readonly RecordedEvent[]): SealInput[];
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
 * Events that must carry the next number of a named sequence (a ticket's readable number per company), decided
 * when they are written and stored in their data. See `appendNumbered` in sequences.ts.
 */
export interface NumberedEvents {
  /** The sequence's name, which is also its stream's name. */
  readonly sequence: string;
  /**
   * The events to append, with `number` written in (and, since the number is in the data, the hash chain
   * computed over it). Called once per attempt; must be synchronous and cheap: on the embedded store it runs
   * inside the append's transaction.
   */
  build(number: number): readonly NewEvent[];
}

export interface NumberedAppendResult extends AppendResult {
  /**
   * The number the appended events carry; `undefined` when the store already held these very events (an
   * idempotent replay of the same ids): they carry the number they were given the first time.
   */
  readonly number: number | undefined;
}

/**
 * What an adapter that supports inline read models calls during an append. All calls of one group commit run
 * inside its one transaction; each append's `apply` runs inside that append's savepoint, after its events are
 * written, so what it writes commits or rolls back with them.
 */
export interface InlineProjector {
  /**
   * `previous` is the last position in the log before these events (undefined: the log was empty). Throwing
   * refuses the append: its savepoint is rolled back, events and read-model rows alike. `log` reads the log
   * synchronously inside the same transaction (under the write lock), so a model behind `previous` (another
   * process appended to the same file since) is caught up there, before these events.
   */
  apply(events: readonly RecordedEvent[], previous: Position | undefined, log: InlineLogReader): void;
  /** Inside the shared transaction, after its last append: what is written once per group commit (checkpoints). */
  beforeCommit(): void;
  /** The shared transaction committed: what `apply` did is durable now. */
  committed(): void;
  /** The shared transaction rolled back: forget what `apply` did. */
  rolledBack(): void;
}

/** Reads at most `maxCount` events after `after` (exclusive), parsed as `readAll` parses them, synchronously. */
export type InlineLogReader = (after: Position | undefined, maxCount: number) => RecordedEvent[];

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

/**
 * A stored event that cannot be read back (its data or metadata is not JSON: a damaged row, or one written
 * behind the store's back). Readers name where it is; nothing that needs it can go on until an operator
 * repairs it, so writes to its stream answer 503 and projections halt on it.
 */
export class CorruptEventError extends Error {
  constructor(
    readonly at: { readonly stream: string; readonly revision: bigint; readonly eventId: string; readonly position: Position },
    readonly reason: string,
  ) {
    super(
      `the stored event ${at.eventId} (${at.stream} revision ${at.revision}, position ${at.position.commit}) cannot be read: ${reason}`,
    );
    this.name = 'CorruptEventError';
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

/**
 * The events of one append exceed what the store takes in one append (EventStoreDB's MaxAppendSize, 1 MiB by
 * default; the same limit is configured on the embedded stores). Nothing was written; retrying cannot help.
 */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamName: string,
    /** Bytes as the store counts them (see `appendSize`), when known. */
    readonly size: number | undefined,
    readonly maxAppendSize: number,
  ) {
    super(
      `Stream ${streamName}: the events of this append${size === undefined ? '' : ` (${size} bytes)`} exceed the store's limit of ${maxAppendSize} bytes per append`,
    );
    this.name = 'AppendTooLargeError';
  }
}

/**
 * A stream the service owns was deleted, tombstoned or truncated behind its back (stream metadata `$tb`,
 * `$maxCount`, `$maxAge`, or a delete on EventStoreDB). The service never does this itself, and refuses to fold or
 * extend such a stream: its state and hash chain can no longer be recomputed from what is readable.
 */
export class StreamDeletedError extends Error {
  constructor(
    readonly streamName: string,
    readonly how: 'tombstoned' | 'deleted' | 'truncated',
  ) {
    super(`Stream ${streamName} was ${how} in the event store; this service does not write to or fold such a stream`);
    this.name = 'StreamDeletedError';
  }
}

/** The EventStoreDB default `MaxAppendSize`, also the default limit of the embedded stores. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

/**
 * An append's size as EventStoreDB counts it against MaxAppendSize (`Event.SizeOnDisk`): data and metadata bytes
 * as sent on the wire (JSON, UTF-8) plus the type in UTF-16. The metadata is counted as the EventStoreDB adapter
 * sends it, with the server's `$correlationId`/`$causationId` copies (see `toWireMetadata`), so every adapter
 * counts the same bytes.
 */
export function appendSize(events: readonly Pick<NewEvent, 'type' | 'data' | 'metadata'>[]): number {
  return events.reduce(
    (sum, e) =>
      sum + Buffer.byteLength(JSON.stringify(e.data)) + Buffer.byteLength(JSON.stringify(wireMetadata(e.metadata))) + e.type.length * 2,
    0,
  );
}

function wireMetadata(metadata: EventMetadata = {}): Record<string, unknown> {
  return {
    ...metadata,
    ...(metadata.correlationId !== undefined ? { $correlationId: metadata.correlationId } : {}),
    ...(metadata.causationId !== undefined ? { $causationId: metadata.causationId } : {}),
  };
}

/**
 * The same store with its `append` wrapped (metrics, traces): every other member passes through as it is, so
 * a wrapper can never drop one the port gains later. A plain object with its own members (not a Proxy), so
 * that a test may still replace one of them (`jest.spyOn(store, 'append')`).
 */
export function decorateAppend(store: EventStore, append: EventStore['append']): EventStore {
  return decorateStore(store, { append });
}

/**
 * The same store with the members in `overrides` replaced (or added); every other member passes through,
 * bound to the store, so a wrapper never drops one the port gains later. A plain object, not a Proxy.
 */
export function decorateStore(store: EventStore, overrides: Record<string, unknown>): EventStore {
  const wrapped: Record<string, unknown> = { ...overrides };
  for (let proto: object | null = store; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key in wrapped) continue;
      const value: unknown = (store as unknown as Record<string, unknown>)[key];
      if (typeof value === 'function') wrapped[key] = (value as (...args: unknown[]) => unknown).bind(store);
      else Object.defineProperty(wrapped, key, { get: () => (store as unknown as Record<string, unknown>)[key], enumerable: true });
    }
  }
  return wrapped as unknown as EventStore;
}
