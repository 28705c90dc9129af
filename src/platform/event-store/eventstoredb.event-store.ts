import {
  AccessDeniedError,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  START as ESDB_START,
  StreamDeletedError as EsdbStreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
} from '@eventstore/db-client';
import { randomEventId } from './event-ids';
import {
  AppendResult,
  AppendTooLargeError,
  DEFAULT_MAX_APPEND_SIZE,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  StoreUnavailableError,
  StreamDeletedError,
  Subscription,
  appendSize,
  WrongExpectedVersionError,
  comparePositions,
} from './event-store.port';
import {
  BackoffOptions,
  backoffDelay,
  errorMessage,
  isNotReadyOrNotLeader,
  isOutcomeUnknown,
  isSystemEventType,
  isUnavailable,
  maskPassword,
  toClientRevision,
  toRecorded,
  toWireMetadata,
} from './eventstoredb.mapping';
import { resubscribingSubscription } from './eventstoredb.subscription';

export interface EventStoreDbOptions {
  /** Backoff between attempts when the server is unavailable (appends, reads and subscriptions). */
  readonly retry?: BackoffOptions & {
    /** Appends and reads give up with `StoreUnavailableError` after this long; subscriptions never give up. */
    readonly giveUpAfterMs?: number;
  };
  /** `ping()` fails after this long even if the server neither answers nor refuses (a black-holed host). */
  readonly pingTimeoutMs?: number;
  /** Told about each retry after unavailability, e.g. to log or count reconnects. */
  readonly onRetry?: (operation: string, attempt: number, error: unknown) => void;
  /**
   * The server's MaxAppendSize (1 MiB by default): an append larger than this, as `appendSize` counts it, is
   * refused here before it is sent. Set it to the server's value if the server is configured otherwise.
   */
  readonly maxAppendSize?: number;
}

/** `$all` is read in pages: the client of this version cannot filter a read, so system events are dropped here. */
const MAX_PAGE = 1000;

/**
 * The production adapter on `@eventstore/db-client`. The client reconnects its channel by itself after an
 * UNAVAILABLE error, but fails the call that saw it; this adapter retries such calls with backoff (appends are
 * safe to retry because every event carries its id from before the first attempt) and keeps subscriptions alive.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  readonly maxAppendSize: number;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
  }

  async append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const size = appendSize(events);
    if (size > this.maxAppendSize) throw new AppendTooLargeError(stream, size, this.maxAppendSize);
    // Ids are fixed once, before the first attempt, so a retry after an unknown outcome is recognised by the server.
    const proposed = events.map((e) =>
      jsonEvent({ id: e.id ?? randomEventId(), type: e.type, data: e.data, metadata: toWireMetadata(e.metadata) }),
    );
    const expectedRevision = toClientRevision(options.expectedRevision);
    // Exact revision and no_stream: the server recognises a repeated append durably, so an unknown outcome
    // (timeout, deadline) may be retried; with any/stream_exists a retry could write twice, so it is not.
    const idempotent = typeof options.expectedRevision === 'bigint' || options.expectedRevision === 'no_stream';
    try {
      // requiresLeader: a follower refuses with NotLeader (and the client moves to the leader) instead of forwarding.
      const result = await this.retrying(
        `append to ${stream}`,
        () => this.client.appendToStream(stream, proposed, { expectedRevision, requiresLeader: true }),
        idempotent,
      );
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position ?? START };
    } catch (error) {
      if (error instanceof MaxAppendSizeExceededError)
        throw new AppendTooLargeError(stream, size, error.maxAppendSize ?? this.maxAppendSize);
      if (error instanceof EsdbStreamDeletedError) throw new StreamDeletedError(stream, 'tombstoned');
      if (!(error instanceof EsdbWrongExpectedVersionError)) throw error;
      const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : undefined;
      throw new WrongExpectedVersionError(stream, options.expectedRevision, actual);
    }
  }

  /**
   * Stream reads decide what is written next (the command path, the form-ticket opener), so they go to the leader
   * (`requiresLeader`): a follower may lag behind a failover and answer with a stale stream.
   */
  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    return this.retrying(`read ${stream}`, async () => {
      const events: RecordedEvent[] = [];
      try {
        const read = this.client.readStream(stream, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: options.fromRevision ?? (backwards ? END : ESDB_START),
          maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
          requiresLeader: true,
        });
        let corrupt: unknown;
        // Read to the end even past a corrupt event (a read left early is never released by the client).
        for await (const resolved of read) {
          if (!resolved.event || corrupt) continue;
          try {
            events.push(toRecorded(resolved.event));
          } catch (error) {
            corrupt = error;
          }
        }
        if (corrupt) throw corrupt;
      } catch (error) {
        // Thrown while iterating, not by readStream(): the port reads a missing stream as empty, unless it was
        // soft-deleted (it may then be written again at a later revision, which the command path must not do).
        if (error instanceof StreamNotFoundError) {
          if (await this.softDeleted(stream)) throw new StreamDeletedError(stream, 'deleted');
          return [];
        }
        if (error instanceof EsdbStreamDeletedError) throw new StreamDeletedError(stream, 'tombstoned');
        throw error;
      }
      return events;
    });
  }

  /**
   * A soft delete sets the stream's `$tb` (truncate before) past its last event: the stream then reads as not
   * found although it holds revisions. Only asked when a read found nothing (a new stream, usually), so it costs
   * one extra read per stream creation. A metastream the user may not read counts as not deleted.
   */
  private async softDeleted(stream: string): Promise<boolean> {
    if (stream.startsWith('$')) return false;
    let tb: unknown;
    try {
      // Read to its end (one event), never left early: see `readAll` on calls left open.
      for await (const { event } of this.client.readStream(`$$${stream}`, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
        requiresLeader: true,
      })) {
        tb = (event?.data as { $tb?: unknown } | undefined)?.$tb;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof AccessDeniedError) return false;
      throw error;
    }
    return typeof tb === 'number' && tb > 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const pageSize = Math.min(MAX_PAGE, Math.max(32, maxCount + 1));
    return this.retrying('read $all', async () => {
      const events: RecordedEvent[] = [];
      let after = options.fromPosition;
      let corrupt: unknown;
      for (;;) {
        let seen = 0;
        let last: Position | undefined;
        // Each page is read to its end even past `maxCount`: a read left early keeps its gRPC call in the client's
        // stream set (cancel is a no-op once the server has finished), and `client.dispose()` then waits forever.
        for await (const { event } of this.client.readAll({ fromPosition: after ?? ESDB_START, maxCount: pageSize })) {
          seen++;
          if (!event?.position) continue;
          last = event.position;
          // A read from a position INCLUDES the event there (unlike a subscription): `after` is skipped by hand.
          if (isSystemEventType(event.type) || (after && comparePositions(event.position, after) <= 0)) continue;
          if (events.length < maxCount && !corrupt) {
            try {
              events.push(toRecorded(event));
            } catch (error) {
              corrupt = error;
            }
          }
        }
        // As on SQLite: what comes before a corrupt event is handed out; the event itself fails the next read.
        if (corrupt) {
          if (events.length) return events;
          throw corrupt;
        }
        if (events.length >= maxCount) return events;
        if (seen < pageSize || !last) return events;
        after = last;
      }
    });
  }

  subscribeToAll(options: { fromPosition?: Position } = {}): Subscription {
    const subscription = resubscribingSubscription(
      (from) => this.client.subscribeToAll({ fromPosition: from ?? ESDB_START, filter: excludeSystemEvents() }),
      options.fromPosition,
      { ...this.options.retry, onRetry: (attempt, error) => this.options.onRetry?.('subscribe to $all', attempt, error) },
    );
    this.subscriptions.add(subscription);
    return {
      [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  /** `$all` read backwards, page by page, to its newest event that is not a system event. */
  async lastPosition(): Promise<Position | undefined> {
    return this.retrying('read the end of $all', async () => {
      let from: Position | 'end' = 'end';
      for (;;) {
        let found: Position | undefined;
        let oldest: Position | undefined;
        let seen = 0;
        // Each page is read to its end (see readAll: a read left early is never released by the client).
        for await (const { event } of this.client.readAll({
          direction: BACKWARDS,
          fromPosition: from === 'end' ? END : from,
          maxCount: MAX_PAGE,
        })) {
          seen++;
          if (!event?.position) continue;
          oldest = event.position;
          if (!found && !isSystemEventType(event.type) && (from === 'end' || comparePositions(event.position, from) < 0))
            found = event.position;
        }
        if (found || seen < MAX_PAGE || !oldest) return found;
        from = oldest;
      }
    });
  }

  /** One backwards read of the last `$all` event: proves the server answers and that we may read `$all`. */
  async ping(): Promise<void> {
    const timeoutMs = this.options.pingTimeoutMs ?? 3000;
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      // Reads carry no deadline in this client, hence the race.
      await Promise.race([
        (async () => {
          for await (const _ of read);
        })(),
        timeout,
      ]);
    } catch (error) {
      throw new StoreUnavailableError(`EventStoreDB ping failed: ${errorMessage(error)}`, error);
    } finally {
      clearTimeout(timer);
      await read.cancel().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  /**
   * Retries, with backoff and up to `giveUpAfterMs`, what another attempt can fix: the server unreachable, not
   * ready (starting, electing) or not the leader, and, when `outcomeUnknownIsSafe`, a timeout or passed deadline.
   * What is still failing then is a `StoreUnavailableError` (a 503 with Retry-After), never a raw client error.
   */
  private async retrying<T>(operation: string, attempt: () => Promise<T>, outcomeUnknownIsSafe = true): Promise<T> {
    const giveUpAfterMs = this.options.retry?.giveUpAfterMs ?? 5000;
    const started = Date.now();
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const unknownOutcome = isOutcomeUnknown(error);
        if (unknownOutcome && !outcomeUnknownIsSafe) {
          throw new StoreUnavailableError(
            `EventStoreDB did not confirm ${operation} in time (${errorMessage(error)}); it may or may not have been written`,
            error,
          );
        }
        if (!isUnavailable(error) && !isNotReadyOrNotLeader(error) && !unknownOutcome) throw unrecoverable(operation, error);
        const delay = backoffDelay(n, this.options.retry);
        if (Date.now() - started + delay > giveUpAfterMs) {
          throw new StoreUnavailableError(
            `EventStoreDB unavailable: ${operation} failed after ${n + 1} attempts: ${errorMessage(error)}`,
            error,
          );
        }
        this.options.onRetry?.(operation, n + 1, error);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

/**
 * A client error that no retry fixes and that the port has no name for (access denied, an unrecognised server
 * answer...) is the store being unusable for this call: a `StoreUnavailableError`, so a 503 rather than a 500.
 * The errors callers map themselves (conflict, not found, too large, deleted) pass through.
 */
function unrecoverable(operation: string, error: unknown): unknown {
  if (!(error instanceof Error) || !isCommandError(error)) return error;
  if (
    error instanceof EsdbWrongExpectedVersionError ||
    error instanceof StreamNotFoundError ||
    error instanceof MaxAppendSizeExceededError ||
    error instanceof EsdbStreamDeletedError
  ) {
    return error;
  }
  return new StoreUnavailableError(`EventStoreDB refused ${operation}: ${errorMessage(error)}`, error);
}

/**
 * Connects and pings once, so that a wrong or unreachable server stops the service at start instead of at its first
 * request. The message names the connection string (password masked) because that is what the operator must fix.
 */
export async function connectEventStoreDb(connectionString: string, options: EventStoreDbOptions = {}): Promise<EventStoreDbEventStore> {
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    throw new Error(`Invalid EventStoreDB connection string ${maskPassword(connectionString)}: ${errorMessage(error)}`, { cause: error });
  }
  const store = new EventStoreDbEventStore(client, options);
  try {
    await store.ping();
  } catch (error) {
    await store.close().catch(() => undefined);
    const cause = error instanceof StoreUnavailableError && error.cause ? error.cause : error;
    throw new StoreUnavailableError(`Cannot reach EventStoreDB at ${maskPassword(connectionString)}: ${errorMessage(cause)}`, error);
  }
  return store;
}
