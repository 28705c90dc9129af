import { EventEmitter } from 'node:events';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { assertExpectedRevision, findIdempotentReplay } from './append-rules';
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

/**
 * The embedded default: the log in SQLite (see `openSqlite` for durability). better-sqlite3 is synchronous,
 * so one append is one transaction that no other append can interleave with inside this process.
 */
export class SqliteEventStore implements EventStore {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly stmts;

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
      all: db.prepare<[bigint, number], EventRow>('SELECT * FROM es_events WHERE global_position > ? ORDER BY global_position LIMIT ?').safeIntegers(),
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
      const created = new Date().toISOString();
      let revision = current ?? -1n;
      let global = 0n;
      for (const event of events) {
        revision += 1n;
        const info = this.stmts.insert.run(
          stream,
          revision,
          event.id ?? randomEventId(),
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata ?? {}),
          created,
        );
        global = BigInt(info.lastInsertRowid);
      }
      this.stmts.upsertStream.run(stream, revision);
      return { nextExpectedRevision: revision, position: { commit: global, prepare: global } };
    })();

  async append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const result = this.appendTx(stream, events, options.expectedRevision);
    if (events.length) this.emitter.emit('appended');
    return result;
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
    return this.stmts.all.all((options.fromPosition ?? START).commit, options.maxCount ?? -1).map(toRecorded);
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
