import { Logger } from '@nestjs/common';
import { Settings } from '../config/settings';
import { MemoryEventStore } from '../event-store/memory.event-store';
import { RecordedEvent, StoreUnavailableError } from '../event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ReadYourWrites } from './read-your-writes';

/** Counts events; `stuck` makes it halt on everything (a model that does not move). */
class Model implements Projection {
  readonly version = 1;
  readonly tables: string[];
  stuck = false;
  private db!: SqliteDatabase;
  constructor(
    readonly name: string,
    readonly awaitedBy: 'write' | 'read',
    readonly handles?: readonly string[],
  ) {
    this.tables = [`${name}_n`];
  }
  init(db: SqliteDatabase): void {
    this.db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.name}_n (id TEXT PRIMARY KEY)`);
  }
  apply(event: RecordedEvent): void {
    if (this.stuck) throw new Error('stuck');
    this.db.prepare(`INSERT OR IGNORE INTO ${this.name}_n VALUES (?)`).run(event.id);
  }
  reset(): void {}
}

describe('ReadYourWrites', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let db: SqliteDatabase;
  let runner: ProjectionRunner;
  afterEach(async () => {
    await runner.beforeApplicationShutdown();
    db.close();
  });

  it('a write waits for the models awaited by writes only; a read of a model awaited by reads waits for the writes answered', async () => {
    db = openSqlite(':memory:');
    const store = new MemoryEventStore();
    const tickets = new Model('tickets', 'write');
    const search = new Model('search', 'read');
    runner = new ProjectionRunner(store, db, [tickets, search], { projectionRetryMs: 20 });
    runner.start();
    const ryw = new ReadYourWrites(runner, { readYourWritesTimeoutMs: 300 } as Settings, store);

    search.stuck = true;
    const { position } = await store.append('s-1', [{ type: 'E', data: {} }], { expectedRevision: 'no_stream' });
    await ryw.waitFor(position); // answered although the search model does not show it
    await expect(ryw.beforeRead('search')).rejects.toBeInstanceOf(StoreUnavailableError); // its reads wait, then 503
    await ryw.beforeRead('tickets'); // a model writes wait for is there already

    search.stuck = false; // it moves again (retried with backoff): a read then sees the write
    await ryw.beforeRead('search');
    expect(db.prepare('SELECT count(*) AS n FROM search_n').get()).toEqual({ n: 1 });

    tickets.stuck = true;
    const next = await store.append('s-1', [{ type: 'E', data: {} }], { expectedRevision: 0n });
    await expect(ryw.waitFor(next.position)).rejects.toBeInstanceOf(StoreUnavailableError); // writes wait for tickets
  });

  it('a write waits only for the models that handle an event type it appended', async () => {
    db = openSqlite(':memory:');
    const store = new MemoryEventStore();
    const tickets = new Model('tickets', 'write', ['E']);
    const hooks = new Model('hooks', 'write', ['Hook']);
    runner = new ProjectionRunner(store, db, [tickets, hooks], { projectionRetryMs: 20 });
    runner.start();
    const ryw = new ReadYourWrites(runner, { readYourWritesTimeoutMs: 300 } as Settings, store);
    hooks.stuck = true; // it cannot move past anything (the runner gives it only its own types, so make it halt on one)
    await store.append('h-1', [{ type: 'Hook', data: {} }], { expectedRevision: 'no_stream' });
    const { position } = await store.append('s-1', [{ type: 'E', data: {} }], { expectedRevision: 'no_stream' });
    await ryw.waitFor(position, ['E']); // hooks does not handle E: not waited for
    await expect(ryw.waitFor(position, ['Hook'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(ryw.waitFor(position)).rejects.toBeInstanceOf(StoreUnavailableError); // no types given: every model
  });

  it('after a restart, a read of a model awaited by reads waits for what the log held at start', async () => {
    db = openSqlite(':memory:');
    const store = new MemoryEventStore();
    // Written and answered before the restart; the model had not applied it yet.
    await store.append('s-1', [{ type: 'E', data: {} }], { expectedRevision: 'no_stream' });
    const search = new Model('search', 'read');
    search.stuck = true;
    runner = new ProjectionRunner(store, db, [search], { projectionRetryMs: 20 });
    runner.start();
    const ryw = new ReadYourWrites(runner, { readYourWritesTimeoutMs: 300 } as Settings, store);
    await ryw.onApplicationBootstrap();
    await expect(ryw.beforeRead('search')).rejects.toBeInstanceOf(StoreUnavailableError); // not caught up: waits, then 503
    search.stuck = false;
    await ryw.beforeRead('search');
    expect(db.prepare('SELECT count(*) AS n FROM search_n').get()).toEqual({ n: 1 });
  });
});
