import { MemoryEventStore } from '../event-store/memory.event-store';
import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

/** Counts events per stream; can be told to fail on one event type, to test atomicity. */
class CountingProjection implements Projection {
  readonly name = 'counting';
  version = 1;
  failOn: string | undefined;
  private db!: SqliteDatabase;
  init(db: SqliteDatabase): void {
    this.db = db;
    db.exec('CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  }
  apply(event: RecordedEvent): void {
    this.db.prepare('INSERT INTO counts VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(event.streamName);
    if (event.type === this.failOn) throw new Error(`cannot apply ${event.type}`);
  }
  reset(): void {
    this.db.exec('DELETE FROM counts');
  }
  total(): number {
    return (this.db.prepare('SELECT coalesce(sum(n), 0) AS n FROM counts').get() as { n: number }).n;
  }
}

describe('ProjectionRunner', () => {
  let store: MemoryEventStore;
  let db: SqliteDatabase;
  beforeEach(() => {
    store = new MemoryEventStore();
    db = openSqlite(':memory:');
  });
  afterEach(() => db.close());

  const append = async (n: number, type = 'Counted') => {
    let last;
    for (let i = 0; i < n; i++) last = await store.append('s-1', [{ type, data: { i } }], { expectedRevision: 'any' });
    return last!.position;
  };

  it('applies every event once and saves the checkpoint with the model', async () => {
    const projection = new CountingProjection();
    const runner = new ProjectionRunner(store, db, [projection]);
    runner.start();
    const position = await append(25);
    expect(await runner.waitFor(position, 2000)).toBe(true);
    expect(projection.total()).toBe(25);
    expect(new CheckpointStore(db).get('counting')?.position).toEqual(position);
    await runner.beforeApplicationShutdown();
  });

  it('resumes from the checkpoint after a restart, applying nothing twice', async () => {
    const projection = new CountingProjection();
    const first = new ProjectionRunner(store, db, [projection]);
    first.start();
    expect(await first.waitFor(await append(10), 2000)).toBe(true);
    await first.beforeApplicationShutdown();

    const position = await append(5); // written while "down"
    const second = new ProjectionRunner(store, db, [projection]);
    second.start();
    expect(await second.waitFor(position, 2000)).toBe(true);
    expect(projection.total()).toBe(15);
    await second.beforeApplicationShutdown();
  });

  it('rolls a failing batch back whole: neither the model nor the checkpoint moves', async () => {
    const projection = new CountingProjection();
    projection.failOn = 'Poison';
    const good = await append(3);
    await store.append('s-1', [{ type: 'Poison', data: {} }], { expectedRevision: 'any' });
    const runner = new ProjectionRunner(store, db, [projection]);
    runner.start();
    // The first batch holds all four events, so nothing of it may stay.
    expect(await runner.waitFor(good, 300)).toBe(false);
    expect(projection.total()).toBe(0);
    const checkpoint = new CheckpointStore(db).get('counting');
    expect(checkpoint?.position).toBeUndefined();
    expect(checkpoint?.lastError).toContain('cannot apply Poison');
    await runner.beforeApplicationShutdown();
  });

  it('rebuilds from the start when the projection version changes', async () => {
    const projection = new CountingProjection();
    const first = new ProjectionRunner(store, db, [projection]);
    first.start();
    const position = await append(4);
    await first.waitFor(position, 2000);
    await first.beforeApplicationShutdown();
    projection.version = 2;
    const second = new ProjectionRunner(store, db, [projection]);
    second.start();
    expect(await second.waitFor(position, 2000)).toBe(true);
    expect(projection.total()).toBe(4);
    await second.beforeApplicationShutdown();
  });
});
