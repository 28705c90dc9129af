import { MemoryEventStore } from '../event-store/memory.event-store';
import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { Projection } from './projection';
import { RebuildProgress, Rebuilder } from './rebuilder';

class Counting implements Projection {
  readonly name = 'counting';
  readonly version = 1;
  readonly tables = ['counts'];
  private db!: SqliteDatabase;
  init(db: SqliteDatabase): void {
    this.db = db;
    db.exec('CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  }
  apply(event: RecordedEvent): void {
    this.db.prepare('INSERT INTO counts VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(event.streamName);
  }
  reset(): void {}
}

describe('Rebuilder (the projections CLI)', () => {
  let store: MemoryEventStore;
  let db: SqliteDatabase;
  beforeEach(async () => {
    store = new MemoryEventStore();
    db = openSqlite(':memory:');
    for (let i = 0; i < 100; i++)
      await store.append(
        `s-${i % 7}`,
        Array.from({ length: 100 }, (_, n) => ({ type: 'Counted', data: { n } })),
        { expectedRevision: 'any' },
      );
  });
  afterEach(() => db.close());
  const total = () => (db.prepare('SELECT coalesce(sum(n), 0) AS n FROM counts').get() as { n: number }).n;

  it('stops after a batch when interrupted, keeps its progress, and the next run continues from there', async () => {
    const controller = new AbortController();
    const first = await new Rebuilder(store, db, [new Counting()]).run({
      signal: controller.signal,
      onProgress: (p) => p.done > 0 && controller.abort(),
    });
    expect(first).toEqual([{ name: 'counting', result: 'interrupted', generation: 2 }]);
    const kept = new CheckpointStore(db).rebuild('counting')!;
    expect(kept).toMatchObject({ generation: 2, owner: null });
    const doneAt = Number(kept.position!.commit) + 1;
    expect(doneAt).toBeGreaterThan(0);
    expect(doneAt).toBeLessThan(10_000);

    let last: RebuildProgress | undefined;
    const second = await new Rebuilder(store, db, [new Counting()]).run({ onProgress: (p) => (last = p) });
    expect(second).toEqual([{ name: 'counting', result: 'switched', generation: 2, position: expect.objectContaining({ commit: 9999n }) }]);
    expect(last).toEqual({ done: 10_000 - doneAt, total: 10_000 - doneAt }); // continued, not started over
    expect(total()).toBe(10_000);
    expect(new CheckpointStore(db).get('counting')).toMatchObject({ generation: 2, position: { commit: 9999n, prepare: 9999n } });
  });

  it('leaves a rebuild that another running process holds alone', async () => {
    const checkpoints = new CheckpointStore(db);
    checkpoints.create('counting', 1);
    checkpoints.startRebuild('counting', 1, 2, `${require('node:os').hostname()}:${process.pid}:service-other`);
    expect(await new Rebuilder(store, db, [new Counting()]).run()).toEqual([
      { name: 'counting', result: 'busy', owner: expect.stringContaining('service-other') },
    ]);
    expect(checkpoints.rebuild('counting')?.owner).toContain('service-other');
  });
});
