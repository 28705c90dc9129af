import { EventEmitter } from 'node:events';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { assertExpectedRevision, findIdempotentReplay } from './append-rules';
import { randomEventId } from './event-ids';
import {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  InlineProjector,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  Subscription,
} from './event-store.port';
import { pollingSubscription } from './polling-subscription';

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
`;

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded default: the log in SQLite (see `openSqlite` for durability). better-sqlite3 is synchronous,
 * so no other append can interleave with one inside this process.
 *
 * Group commit: appends that arrive in the same turn of the event loop are written in ONE transaction (one
 * fsync), each inside its own savepoint, so a conflict in one rolls back only that one. Every caller is
 * answered only after the shared commit, so a resolved append is on disk exactly as before; what changes is
 * that 64 concurrent requests cost one fsync instead of 64.
 */
export class SqliteEventStore implements EventStore {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly stmts;
  private queue: PendingAppend[] = [];
  private inline: InlineProjector | undefined;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(SCHEMA);
    this.stmts = {
      revision: db.prepare<[string], { revision: number | bigint }>('SELECT revision FROM es_streams WHERE stream_id = ?').safeIntegers(),
      upsertStream: db.prepare('INSERT INTO es_streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision'),
      insert: db.prepare(
        'INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: db.prepare<[string, bigint, number], EventRow>(
        'SELECT * FROM es_events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ).safeIntegers(),
      backwards: db.prepare<[string, bigint, number], EventRow>(
        'SELECT * FROM es_events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
      ).safeIntegers(),
      // The global log is read in bulk (subscriptions, rebuilds): rows as arrays and integers as numbers are
      // markedly cheaper than objects of bigints. Exact up to 2^53 events.
      all: db
        .prepare<[bigint, number], LogRow>(
          'SELECT global_position, stream_id, revision, event_id, type, data, metadata, created FROM es_events WHERE global_position > ? ORDER BY global_position LIMIT ?',
        )
        .raw(),
      countAfter: db.prepare<[bigint, number], { n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM es_events WHERE global_position > ? LIMIT ?)'),
      ping: db.prepare('SELECT 1'),
    };
  }

  private readonly appendTx = (stream: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendResult =>
    this.db.transaction((): AppendResult => {
      const row = this.stmts.revision.get(stream);
      const current = row ? BigInt(row.revision) : undefined;
      const replay = findIdempotentReplay(expected, current, events, (rev, n) =>
        this.stmts.forwards.all(stream, rev, n).map(toRecorded),
      );
      if (replay) return replay;
      assertExpectedRevision(stream, expected, current);
      if (events.length === 0) return { nextExpectedRevision: current ?? -1n, position: START };
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
        if (inline) {
          const position = { commit: global, prepare: global };
          recorded.push({ id, streamName: stream, type: event.type, data: event.data, metadata, revision, position, created: now });
        }
      }
      this.stmts.upsertStream.run(stream, revision);
      // Last, inside this append's savepoint: the inline read models commit or roll back with the events.
      // The position before them, without a query: positions are consecutive unless a row was removed from the
      // log, and then the models find themselves not at `previous` and are caught up by the async feed instead.
      if (inline) {
        const before = recorded[0].position.commit - 1n;
        inline.apply(recorded, before === 0n ? undefined : { commit: before, prepare: before });
      }
      return { nextExpectedRevision: revision, position: { commit: global, prepare: global } };
    })();

  append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events, expected: options.expectedRevision, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const outcomes: ({ ok: AppendResult } | { error: unknown })[] = [];
    try {
      // appendTx is itself a db.transaction: nested inside this one it runs as a savepoint. IMMEDIATE takes the
      // write lock first: a transaction that reads and then writes while another process (the projections
      // CLI) commits would fail with SQLITE_BUSY at once, whatever busy_timeout says.
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: this.appendTx(item.stream, item.events, item.expected) });
          } catch (error) {
            // On some errors (SQLITE_FULL, SQLITE_IOERR) SQLite rolls the whole transaction back: nothing of the
            // batch is stored, and the appends after this one would each commit on their own. Fail it whole.
            if (!this.db.inTransaction) throw error;
            outcomes.push({ error });
          }
        }
        this.inline?.beforeCommit();
      }).immediate();
    } catch (error) {
      // The commit itself failed, or SQLite ended the transaction (disk full, read-only): nothing is stored.
      this.inline?.rolledBack();
      for (const item of batch) item.reject(error);
      return;
    }
    this.inline?.committed();
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if ('ok' in outcome) item.resolve(outcome.ok);
      else item.reject(outcome.error);
    });
    this.emitter.emit('appended');
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
    return this.stmts.all.all((options.fromPosition ?? START).commit, options.maxCount ?? -1).map(fromLogRow);
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

function toRecorded(row: EventRow): RecordedEvent {
  const global = BigInt(row.global_position);
  return {
    id: row.event_id,
    streamName: row.stream_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    revision: BigInt(row.revision),
    position: { commit: global, prepare: global },
    created: new Date(row.created),
  };
}

/**
 * Log reads parse `data` and `metadata` on first use: a projection runner filters by `type` first, so an event
 * no projection handles is never parsed, and one read shared by several projections is parsed once.
 */
function fromLogRow([global, stream, revision, id, type, data, metadata, created]: LogRow): RecordedEvent {
  const position = BigInt(global);
  let parsedData: Record<string, unknown> | undefined;
  let parsedMetadata: EventMetadata | undefined;
  return {
    id,
    streamName: stream,
    type,
    get data() {
      return (parsedData ??= JSON.parse(data) as Record<string, unknown>);
    },
    get metadata() {
      return (parsedMetadata ??= JSON.parse(metadata) as EventMetadata);
    },
    revision: BigInt(revision),
    position: { commit: position, prepare: position },
    created: new Date(created),
  };
}
