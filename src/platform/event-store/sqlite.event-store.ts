import { EventEmitter } from 'node:events';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { assertExpectedRevision, findIdempotentReplay } from './append-rules';
import { randomEventId } from './event-ids';
import {
  AppendResult,
  AppendTooLargeError,
  DEFAULT_MAX_APPEND_SIZE,
  CorruptEventError,
  EventStore,
  ExpectedRevision,
  InlineLogReader,
  InlineProjector,
  NewEvent,
  NumberedAppendResult,
  NumberedEvents,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  Subscription,
  appendSize,
} from './event-store.port';
import { pollingSubscription } from './polling-subscription';
import { nextNumber } from './sequences';

interface EventRow {
  global_position: number | bigint;
  stream_id: string;
  revision: number | bigint;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  created: string;
}

type LogRow = [number, string, number, string, string, string, string, string];

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS es_streams (
    stream_id TEXT PRIMARY KEY,
    revision  INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- AUTOINCREMENT: a position is never handed out twice, even if the newest row were removed.
  CREATE TABLE IF NOT EXISTS es_events (
    global_position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL,
    revision  INTEGER NOT NULL,
    event_id  TEXT NOT NULL,
    type      TEXT NOT NULL,
    data      TEXT NOT NULL,
    metadata  TEXT NOT NULL,
    created   TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  );
  -- The last number each sequence gave (appendNumbered), written in the transaction of the append that took it.
  CREATE TABLE IF NOT EXISTS es_sequences (
    name TEXT PRIMARY KEY,
    last INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  /** A numbered append: `events` are built inside the transaction, once the number is known. */
  readonly claim?: NumberedEvents;
  readonly resolve: (result: NumberedAppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded default: the log in SQLite (see `openSqlite` for durability). better-sqlite3 is synchronous,
 * so no other append can interleave with one inside this process.
 *
 * Group commit: appends that arrive in the same turn of the event loop are written in ONE transaction (one
 * fsync); a conflict in one refuses only that one (see `commit`). Every caller is answered only after the
 * shared commit, so a resolved append is on disk exactly as before; what changes is
 * that 64 concurrent requests cost one fsync instead of 64.
 */
export class SqliteEventStore implements EventStore {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly stmts;
  private queue: PendingAppend[] = [];
  private inline: InlineProjector | undefined;
  /** Set once the append being written has started writing rows (see `commit`). */
  private writing = false;
  /** The inline models' catch-up read: the same parse as `readAll`, synchronous, inside the append's transaction. */
  private readonly readLog: InlineLogReader = (after, maxCount) => parseLogRows(this.stmts.all.all((after ?? START).commit, maxCount));

  /** `maxAppendSize`: the same per-append limit as EventStoreDB's (see the port), so SQLite refuses what it would. */
  constructor(
    private readonly db: SqliteDatabase,
    readonly maxAppendSize = DEFAULT_MAX_APPEND_SIZE,
  ) {
    db.exec(SCHEMA);
    this.stmts = {
      revision: db.prepare<[string], { revision: number | bigint }>('SELECT revision FROM es_streams WHERE stream_id = ?').safeIntegers(),
      upsertStream: db.prepare(
        'INSERT INTO es_streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
      ),
      insert: db.prepare(
        'INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: db
        .prepare<[string, bigint, number], EventRow>(
          'SELECT * FROM es_events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
        )
        .safeIntegers(),
      backwards: db
        .prepare<[string, bigint, number], EventRow>(
          'SELECT * FROM es_events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
        )
        .safeIntegers(),
      // The global log is read in bulk (subscriptions, rebuilds): rows as arrays and integers as numbers are
      // markedly cheaper than objects of bigints. Exact up to 2^53 events.
      all: db
        .prepare<[bigint, number], LogRow>(
          'SELECT global_position, stream_id, revision, event_id, type, data, metadata, created FROM es_events WHERE global_position > ? ORDER BY global_position LIMIT ?',
        )
        .raw(),
      last: db.prepare<[], { p: number | bigint | null }>('SELECT max(global_position) AS p FROM es_events').safeIntegers(),
      sequence: db.prepare<[string], { last: number }>('SELECT last FROM es_sequences WHERE name = ?'),
      setSequence: db.prepare('INSERT INTO es_sequences (name, last) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last = excluded.last'),
      countAfter: db.prepare<[bigint, number], { n: number }>(
        'SELECT count(*) AS n FROM (SELECT 1 FROM es_events WHERE global_position > ? LIMIT ?)',
      ),
      ping: db.prepare('SELECT 1'),
    };
  }

  /**
   * The number is decided here, inside the group commit's transaction: the counter moves only if the events
   * are written, so a refused or rolled-back append burns no number (gapless), and appends sharing one group
   * commit take consecutive numbers in queue order.
   */
  private numberedRows(stream: string, claim: NumberedEvents, expected: ExpectedRevision): NumberedAppendResult {
    const [lastOfStream] = this.stmts.backwards.all(claim.sequence, BigInt(Number.MAX_SAFE_INTEGER), 1).map(toRecorded);
    const number = nextNumber(this.stmts.sequence.get(claim.sequence)?.last, lastOfStream);
    const events = claim.build(number);
    const size = appendSize(events);
    if (size > this.maxAppendSize) throw new AppendTooLargeError(stream, size, this.maxAppendSize);
    const { result, written } = this.appendRows(stream, events, expected);
    if (!written) return { ...result, number: undefined };
    this.stmts.setSequence.run(claim.sequence, number);
    return { ...result, number };
  }

  /** Inside a transaction. `written` is false for an idempotent replay of events already stored. */
  private appendRows(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): { result: AppendResult; written: boolean } {
    const row = this.stmts.revision.get(stream);
    const current = row ? BigInt(row.revision) : undefined;
    const replay = findIdempotentReplay(expected, current, events, (rev, n) => this.stmts.forwards.all(stream, rev, n).map(toRecorded));
    if (replay) return { result: replay, written: false };
    assertExpectedRevision(stream, expected, current);
    if (events.length === 0) return { result: { nextExpectedRevision: current ?? -1n, position: START }, written: false };
    this.writing = true; // from here on, a failure may leave part of this append written (see commit)
    const now = new Date();
    const created = now.toISOString();
    const inline = this.inline;
    const recorded: RecordedEvent[] = [];
    let revision = current ?? -1n;
    let global = 0n;
    for (const event of events) {
      revision += 1n;
      const id = event.id ?? randomEventId();
      const metadata = event.metadata ?? {};
      const info = this.stmts.insert.run(stream, revision, id, event.type, JSON.stringify(event.data), JSON.stringify(metadata), created);
      global = BigInt(info.lastInsertRowid);
      // The inline models are given the events as written (the objects just serialised, no parse back).
      if (inline)
        recorded.push({
          id,
          streamName: stream,
          type: event.type,
          data: event.data,
          metadata,
          revision,
          position: pos(global),
          created: now,
        });
    }
    this.stmts.upsertStream.run(stream, revision);
    // Last, inside the group commit's transaction: the inline read models commit or roll back with the events. The
    // position before them is derived, not queried: positions are consecutive unless a row was removed, and a
    // model that finds itself elsewhere reads what it misses through `readLog` (a gap simply reads nothing).
    if (inline) {
      const before = recorded[0].position.commit - 1n;
      inline.apply(recorded, before <= 0n ? undefined : pos(before), this.readLog);
    }
    return { result: { nextExpectedRevision: revision, position: { commit: global, prepare: global } }, written: true };
  }

  append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const size = appendSize(events);
    if (size > this.maxAppendSize) return Promise.reject(new AppendTooLargeError(stream, size, this.maxAppendSize));
    return this.enqueue({ stream, events, expected: options.expectedRevision });
  }

  appendNumbered(stream: string, claim: NumberedEvents, options: { expectedRevision: ExpectedRevision }): Promise<NumberedAppendResult> {
    return this.enqueue({ stream, events: [], claim, expected: options.expectedRevision });
  }

  private enqueue(item: Omit<PendingAppend, 'resolve' | 'reject'>): Promise<NumberedAppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (this.commit(batch)) this.emitter.emit('appended');
  }

  /**
   * The batch in ONE transaction, without a savepoint per append: a savepoint makes SQLite copy every page an
   * append first touches into a statement journal, and with the inline read models' rows (several indexed
   * tables) that was the largest extra cost of the write path (bench/README.md). An append refused before it
   * writes anything (a conflict, the size limit) is simply answered with its error; one that fails while
   * writing (an inline model refusing its events, a constraint) takes the transaction back, and the others are
   * committed again without it (rare: a bug, never a conflict). Every caller is answered after the commit that
   * holds its append. Returns whether anything was committed.
   */
  private commit(batch: readonly PendingAppend[]): boolean {
    if (batch.length === 0) return false;
    const outcomes: ({ ok: NumberedAppendResult | AppendResult } | { error: unknown })[] = [];
    let broken: { index: number; error: unknown } | undefined;
    try {
      // IMMEDIATE takes the write lock first: a transaction that reads and then writes while another process
      // (the projections CLI, another instance) commits would fail with SQLITE_BUSY at once, whatever busy_timeout says.
      this.db
        .transaction(() => {
          batch.forEach((item, index) => {
            this.writing = false;
            try {
              const ok = item.claim
                ? this.numberedRows(item.stream, item.claim, item.expected)
                : this.appendRows(item.stream, item.events, item.expected).result;
              outcomes.push({ ok });
            } catch (error) {
              // On some errors (SQLITE_FULL, SQLITE_IOERR) SQLite rolls the whole transaction back: nothing of the
              // batch is stored. Fail it whole.
              if (!this.db.inTransaction) throw error;
              if (this.writing) {
                broken = { index, error };
                throw error;
              }
              outcomes.push({ error });
            }
          });
          this.inline?.beforeCommit();
        })
        .immediate();
    } catch (error) {
      this.inline?.rolledBack();
      if (broken) {
        // Rolled back whole: answer the broken append, commit the others again.
        const { index, error: cause } = broken;
        batch[index].reject(cause);
        return this.commit(batch.filter((_, i) => i !== index));
      }
      // The commit itself failed, or SQLite ended the transaction (disk full, read-only): nothing is stored.
      for (const item of batch) item.reject(error);
      return false;
    } finally {
      this.writing = false;
    }
    this.inline?.committed();
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if ('ok' in outcome) item.resolve(outcome.ok as NumberedAppendResult);
      else item.reject(outcome.error);
    });
    return true;
  }

  setInlineProjector(projector: InlineProjector | undefined): void {
    this.inline = projector;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1; // LIMIT -1 = no limit
    const rows =
      options.direction === 'backwards'
        ? this.stmts.backwards.all(stream, options.fromRevision ?? BigInt(Number.MAX_SAFE_INTEGER), max)
        : this.stmts.forwards.all(stream, options.fromRevision ?? 0n, max);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return parseLogRows(this.stmts.all.all((options.fromPosition ?? START).commit, options.maxCount ?? -1));
  }

  async lastPosition(): Promise<Position | undefined> {
    const { p } = this.stmts.last.get()!;
    return p === null ? undefined : { commit: BigInt(p), prepare: BigInt(p) };
  }

  async countAfter(position: Position | undefined, limit: number): Promise<number> {
    return this.stmts.countAfter.get((position ?? START).commit, limit)!.n;
  }

  subscribeToAll(options: { fromPosition?: Position } = {}): Subscription {
    return pollingSubscription(
      (from, maxCount) => this.readAll({ fromPosition: from, maxCount }),
      { onAppended: (fn) => (this.emitter.on('appended', fn), () => this.emitter.off('appended', fn)) },
      options.fromPosition,
    );
  }

  async ping(): Promise<void> {
    this.stmts.ping.get();
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** JSON.parse of a stored column; a row that is not JSON is a CorruptEventError naming the event. */
function parseColumn(text: string, column: string, at: CorruptEventError['at']): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CorruptEventError(at, `its ${column} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

const pos = (global: bigint): Position => ({ commit: global, prepare: global });

/**
 * Log rows parsed eagerly: a corrupt row is found by whoever reads it, whatever its type. What comes before a
 * corrupt event is handed out (readers get as far as they can); the event itself fails the read.
 */
function parseLogRows(rows: LogRow[]): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    try {
      events.push(fromLogRow(row));
    } catch (error) {
      if (events.length) break;
      throw error;
    }
  }
  return events;
}

function toRecorded(row: EventRow): RecordedEvent {
  const global = BigInt(row.global_position);
  const at = {
    stream: row.stream_id,
    revision: BigInt(row.revision),
    eventId: row.event_id,
    position: { commit: global, prepare: global },
  };
  return {
    id: row.event_id,
    streamName: row.stream_id,
    type: row.type,
    data: parseColumn(row.data, 'data', at),
    metadata: parseColumn(row.metadata, 'metadata', at),
    revision: BigInt(row.revision),
    position: { commit: global, prepare: global },
    created: new Date(row.created),
  };
}

function fromLogRow([global, stream, revision, id, type, data, metadata, created]: LogRow): RecordedEvent {
  const position = BigInt(global);
  const at = { stream, revision: BigInt(revision), eventId: id, position: { commit: position, prepare: position } };
  return {
    id,
    streamName: stream,
    type,
    data: parseColumn(data, 'data', at),
    metadata: parseColumn(metadata, 'metadata', at),
    revision: BigInt(revision),
    position: { commit: position, prepare: position },
    created: new Date(created),
  };
}
