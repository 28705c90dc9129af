import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStore } from '../event-store/memory.event-store';
import { EventStore, Position, RecordedEvent, StoreUnavailableError } from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite.event-store';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { ParkedEvents } from './parked-events';
import { PoisonPolicy, Projection } from './projection';
import { InlineProjectionError, ProjectionRunner } from './projection-runner';

/** One row per applied event (its data's `n`); told to fail on one type, and to read `data` (parsing it). */
class RowsProjection implements Projection {
  readonly tables: string[];
  readonly version = 1;
  onError: PoisonPolicy = 'halt';
  failOn: string | undefined;
  applied = 0;
  private db!: SqliteDatabase;
  constructor(
    readonly name = 'rows',
    readonly lifecycle: 'inline' | 'async' = 'inline',
    readonly handles: readonly string[] | undefined = ['Counted', 'Poison'],
  ) {
    this.tables = [`${name}_rows`];
  }
  init(db: SqliteDatabase): void {
    this.db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.name}_rows (event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, n INTEGER NOT NULL)`);
  }
  apply(event: RecordedEvent): void {
    if (event.type === this.failOn) throw new Error(`cannot apply ${event.type}`);
    this.applied++;
    this.db.prepare(`INSERT OR IGNORE INTO ${this.name}_rows VALUES (?, ?, ?)`).run(event.id, event.streamName, Number(event.data.n));
  }
  reset(): void {
    this.db.exec(`DELETE FROM ${this.name}_rows`);
  }
}

describe('inline and shared-read projections', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let db: SqliteDatabase;
  let runner: ProjectionRunner | undefined;
  beforeEach(() => {
    db = openSqlite(':memory:');
    runner = undefined;
  });
  afterEach(async () => {
    await runner?.beforeApplicationShutdown();
    db.close();
  });

  const start = (store: EventStore, projections: Projection[]) => {
    runner = new ProjectionRunner(store, db, projections, { projectionRetryMs: 20 });
    runner.start();
    return runner;
  };
  const rows = (name = 'rows') =>
    db.prepare(`SELECT stream, n FROM ${name}_rows ORDER BY stream, n`).all() as { stream: string; n: number }[];
  const checkpoint = (name = 'rows') => new CheckpointStore(db).get(name)?.position;
  const event = (type: string, n: number) => ({ type, data: { n } });
  const logLength = () => (db.prepare('SELECT count(*) AS n FROM es_events').get() as { n: number }).n;

  describe('on the embedded SQLite store', () => {
    let store: SqliteEventStore;
    beforeEach(() => {
      store = new SqliteEventStore(db);
    });

    it('applies an inline model in the append transaction: rows and checkpoint are there when the append resolves, with no wait', async () => {
      const projection = new RowsProjection();
      const r = start(store, [projection]);
      expect(r.status()[0].lifecycle).toBe('inline');
      const { position } = await store.append('s-1', [event('Counted', 1), event('Counted', 2)], { expectedRevision: 'no_stream' });
      // No turn of the event loop has passed: only the append's own transaction can have written these.
      expect(rows()).toEqual([
        { stream: 's-1', n: 1 },
        { stream: 's-1', n: 2 },
      ]);
      expect(checkpoint()).toEqual(position);
      expect(r.status()[0].position).toEqual(position);
      expect(await r.waitFor(position, 0)).toBe(true);
    });

    it('a model that cannot apply an event inline (halt) refuses the append: neither the events nor any row is stored', async () => {
      const projection = new RowsProjection();
      projection.failOn = 'Poison';
      start(store, [projection]);
      const before = await store.append('s-1', [event('Counted', 1)], { expectedRevision: 'no_stream' });
      const refused = store.append('s-1', [event('Counted', 2), event('Poison', 3)], { expectedRevision: 0n });
      await expect(refused).rejects.toBeInstanceOf(InlineProjectionError);
      await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError); // answered 503 store-unavailable
      expect(logLength()).toBe(1);
      expect(await store.readStream('s-1')).toHaveLength(1);
      expect(rows()).toEqual([{ stream: 's-1', n: 1 }]); // the Counted event of the refused append left no row
      expect(checkpoint()).toEqual(before.position);
      // The stream and the model go on from where they were.
      const next = await store.append('s-1', [event('Counted', 4)], { expectedRevision: 0n });
      expect(rows()).toEqual([
        { stream: 's-1', n: 1 },
        { stream: 's-1', n: 4 },
      ]);
      expect(checkpoint()).toEqual(next.position);
    });

    it('group commit: appends of one turn share the transaction with their rows; a refused one takes only itself back', async () => {
      const projection = new RowsProjection();
      projection.failOn = 'Poison';
      start(store, [projection]);
      const appends = [1, 2, 3, 4, 5].map((n) =>
        store.append(`s-${n}`, [event(n === 3 ? 'Poison' : 'Counted', n)], { expectedRevision: 'no_stream' }).then(
          (result) => ({ ok: result.position }),
          (error: unknown) => ({ error }),
        ),
      );
      const outcomes = await Promise.all(appends);
      expect(outcomes.map((o) => ('ok' in o ? 'ok' : 'refused'))).toEqual(['ok', 'ok', 'refused', 'ok', 'ok']);
      expect(rows().map((r) => r.n)).toEqual([1, 2, 4, 5]);
      expect(logLength()).toBe(4);
      const positions = outcomes.flatMap((o) => ('ok' in o ? [o.ok] : []));
      expect(checkpoint()).toEqual(positions[positions.length - 1]);
    });

    it('a model that is behind (first build on an existing log) is caught up by the shared read, then applied inline', async () => {
      for (let n = 1; n <= 30; n++) await store.append('s-1', [event('Counted', n)], { expectedRevision: 'any' });
      const r = start(store, [new RowsProjection()]);
      const head = (await store.readAll()).at(-1)!.position;
      expect(await r.waitFor(head, 2000)).toBe(true);
      expect(rows()).toHaveLength(30);
      const { position } = await store.append('s-1', [event('Counted', 31)], { expectedRevision: 29n });
      expect(rows()).toHaveLength(31); // inline again: no wait
      expect(checkpoint()).toEqual(position);
    });

    it("skip-and-park: the append commits without the model's rows and the asynchronous feed parks the event", async () => {
      const projection = new RowsProjection();
      projection.failOn = 'Poison';
      projection.onError = 'skip-and-park';
      const r = start(store, [projection]);
      const { position } = await store.append('s-1', [event('Poison', 1)], { expectedRevision: 'no_stream' });
      expect(logLength()).toBe(1);
      expect(await r.waitFor(position, 2000)).toBe(true);
      expect(new ParkedEvents(db).list('rows', 1).map((p) => p.eventId)).toEqual([(await store.readAll())[0].id]);
      const next = await store.append('s-1', [event('Counted', 2)], { expectedRevision: 0n });
      expect(await r.waitFor(next.position, 2000)).toBe(true);
      expect(rows()).toEqual([{ stream: 's-1', n: 2 }]);
    });

    it('filters by declared type: an event the model does not handle is never given to apply', async () => {
      // Log rows are still parsed as they are read (a corrupt row is a finding whatever its type; see the store).
      await store.append('s-1', [event('Counted', 1), event('Other', 2), event('Counted', 3)], { expectedRevision: 'no_stream' });
      const r = start(store, [new RowsProjection('rows', 'async')]);
      const head = (await store.readAll()).at(-1)!.position;
      expect(await r.waitFor(head, 2000)).toBe(true);
      expect(r.status()[0].halted).toBeUndefined();
      expect(rows().map((row) => row.n)).toEqual([1, 3]);
      expect(checkpoint()).toEqual(head); // the checkpoint moves past events the model does not handle
    });
  });

  describe('two processes on one SQLite file (two connections, two stores, two runners)', () => {
    let file: string;
    let dir: string;
    let other: SqliteDatabase;
    let otherRunner: ProjectionRunner | undefined;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'inline-two-'));
      file = join(dir, 'lead.db');
      db.close();
      db = openSqlite(file);
      other = openSqlite(file);
      otherRunner = undefined;
    });
    afterEach(async () => {
      await otherRunner?.beforeApplicationShutdown();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const startOther = (store: EventStore, projection: Projection) => {
      otherRunner = new ProjectionRunner(store, other, [projection], { projectionRetryMs: 20 });
      otherRunner.start();
      return otherRunner;
    };

    it("both write inline: each sees the other's rows as soon as its append is answered, and no event is applied twice", async () => {
      const a = new SqliteEventStore(db);
      const b = new SqliteEventStore(other);
      const pa = new RowsProjection();
      const pb = new RowsProjection();
      start(a, [pa]);
      startOther(b, pb);
      for (let n = 1; n <= 10; n++) {
        const [store, self] = n % 2 ? [a, pa] : [b, pb];
        const before = self.applied;
        const { position } = await store.append(`s-${n}`, [event('Counted', n)], { expectedRevision: 'no_stream' });
        // Answered: the rows of every append so far are in the file, whichever process wrote them.
        expect(rows().map((r) => r.n)).toEqual(Array.from({ length: n }, (_, i) => i + 1).sort());
        expect(checkpoint()).toEqual(position);
        // The other's event is in the model already (applied in the other's transaction): only its own is applied.
        expect(self.applied - before).toBe(1);
      }
      // The shared reads that follow skip what the other process applied (its checkpoint says so).
      const head = (await a.readAll()).at(-1)!.position;
      expect(await runner!.waitFor(head, 2000)).toBe(true);
      expect(await otherRunner!.waitFor(head, 2000)).toBe(true);
      expect(pa.applied + pb.applied).toBe(10);
    });

    it('the other appends without applying the model: the next inline append catches it up inside its own transaction', async () => {
      const a = new SqliteEventStore(db);
      const b = new SqliteEventStore(other); // a process with no inline models (LEAD_INLINE_PROJECTIONS=false, a tool)
      const projection = new RowsProjection();
      start(a, [projection]);
      await a.append('s-1', [event('Counted', 1)], { expectedRevision: 'no_stream' });
      await b.append('s-2', [event('Counted', 2)], { expectedRevision: 'no_stream' });
      await b.append('s-3', [event('Counted', 3)], { expectedRevision: 'no_stream' });
      const before = projection.applied;
      const { position } = await a.append('s-4', [event('Counted', 4)], { expectedRevision: 'no_stream' });
      // No turn of the event loop since: the other's two events were applied in this append's transaction.
      expect(projection.applied - before).toBe(3);
      expect(rows().map((r) => r.n)).toEqual([1, 2, 3, 4]);
      expect(checkpoint()).toEqual(position);
    });

    it('a row the model cannot read (written around the service) does not refuse the append; the model halts on it, off the write path', async () => {
      const a = new SqliteEventStore(db);
      const r = start(a, [new RowsProjection()]);
      await a.append('s-1', [event('Counted', 1)], { expectedRevision: 'no_stream' });
      other
        .prepare(
          "INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES ('s-x', 0, 'e-bad', 'Counted', '{not json', '{}', '2026-01-01T00:00:00.000Z')",
        )
        .run();
      const { position } = await a.append('s-2', [event('Counted', 2)], { expectedRevision: 'no_stream' });
      expect(logLength()).toBe(3); // stored
      expect(rows().map((row) => row.n)).toEqual([1]); // not applied past the unreadable row
      expect(await r.waitFor(position, 200)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(r.status()[0].halted).toContain('e-bad');
    });
  });

  it('one definition, both lifecycles: inline on SQLite and async (read-your-writes) on the memory store give the same model', async () => {
    const write = async (store: EventStore) => {
      let last: Position | undefined;
      for (let n = 1; n <= 12; n++) last = (await store.append(`s-${n % 3}`, [event('Counted', n)], { expectedRevision: 'any' })).position;
      return last!;
    };
    const sqlite = new SqliteEventStore(db);
    const inline = start(sqlite, [new RowsProjection()]);
    expect(inline.status()[0].lifecycle).toBe('inline');
    await write(sqlite);
    const inlineRows = rows();
    await inline.beforeApplicationShutdown();
    db.close();

    db = openSqlite(':memory:');
    const memory = new MemoryEventStore();
    const async = start(memory, [new RowsProjection()]);
    expect(async.status()[0].lifecycle).toBe('async');
    const position = await write(memory);
    expect(await async.waitFor(position, 2000)).toBe(true);
    expect(rows()).toEqual(inlineRows);
    expect(inlineRows).toHaveLength(12);
  });

  it('async models share one read of the log: one subscription, and no range of the log is read twice', async () => {
    const store = new MemoryEventStore();
    for (let n = 1; n <= 1200; n++) await store.append(`s-${n % 7}`, [event('Counted', n)], { expectedRevision: 'any' });
    const subscribe = jest.spyOn(store, 'subscribeToAll');
    const read = jest.spyOn(store, 'readAll');
    const projections = ['a', 'b', 'c'].map((name) => new RowsProjection(name, 'async'));
    const r = start(store, projections);
    const head = (await store.readAll()).at(-1)!.position;
    read.mockClear();
    expect(await r.waitFor(head, 5000)).toBe(true);
    let position = head;
    for (let n = 1; n <= 20; n++) position = (await store.append('s-live', [event('Counted', n)], { expectedRevision: 'any' })).position;
    expect(await r.waitFor(position, 2000)).toBe(true);
    for (const name of ['a', 'b', 'c']) expect(rows(name)).toHaveLength(1220);
    expect(subscribe).toHaveBeenCalledTimes(1);
    const starts = read.mock.calls.map(([options]) => String(options?.fromPosition?.commit ?? 'start'));
    expect(new Set(starts).size).toBe(starts.length); // each page of the log read once, for all three
    expect(starts.length).toBeLessThan(1220 / 100); // pages, not events
  });
});
