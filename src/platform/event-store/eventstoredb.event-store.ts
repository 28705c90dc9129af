import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START as ESDB_START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import { randomEventId } from './event-ids';
import {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  StoreUnavailableError,
  Subscription,
  WrongExpectedVersionError,
  comparePositions,
} from './event-store.port';
import {
  BackoffOptions,
  backoffDelay,
  errorMessage,
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

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbOptions = {},
  ) {}

  async append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    // Ids are fixed once, before the first attempt, so a retry after an unknown outcome is recognised by the server.
    const proposed = events.map((e) =>
      jsonEvent({ id: e.id ?? randomEventId(), type: e.type, data: e.data, metadata: toWireMetadata(e.metadata) }),
    );
    const expectedRevision = toClientRevision(options.expectedRevision);
    try {
      const result = await this.retrying(`append to ${stream}`, () => this.client.appendToStream(stream, proposed, { expectedRevision }));
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position ?? START };
    } catch (error) {
      if (!(error instanceof EsdbWrongExpectedVersionError)) throw error;
      const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : undefined;
      throw new WrongExpectedVersionError(stream, options.expectedRevision, actual);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    return this.retrying(`read ${stream}`, async () => {
      const events: RecordedEvent[] = [];
      try {
        const read = this.client.readStream(stream, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: options.fromRevision ?? (backwards ? END : ESDB_START),
          maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
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
        // Thrown while iterating, not by readStream(): the port reads a missing stream as empty.
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
      return events;
    });
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
        for await (const { event } of this.client.readAll({ direction: BACKWARDS, fromPosition: from === 'end' ? END : from, maxCount: MAX_PAGE })) {
          seen++;
          if (!event?.position) continue;
          oldest = event.position;
          if (!found && !isSystemEventType(event.type) && (from === 'end' || comparePositions(event.position, from) < 0)) found = event.position;
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
      await Promise.race([(async () => { for await (const _ of read); })(), timeout]);
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

  private async retrying<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    const giveUpAfterMs = this.options.retry?.giveUpAfterMs ?? 5000;
    const started = Date.now();
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        const delay = backoffDelay(n, this.options.retry);
        if (Date.now() - started + delay > giveUpAfterMs) {
          throw new StoreUnavailableError(`EventStoreDB unavailable: ${operation} failed after ${n + 1} attempts: ${errorMessage(error)}`, error);
        }
        this.options.onRetry?.(operation, n + 1, error);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
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
