import { Logger } from '@nestjs/common';
import { MemoryEventStore } from '../event-store/memory.event-store';
import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { retryParked, skipHaltingEvent } from './operator-actions';
import { ParkedEvents } from './parked-events';
import { PoisonPolicy, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

/** Counts events per stream; can be told to fail on one event type, to test poison handling. */
class CountingProjection implements Projection {
  readonly name = 'counting';
  readonly tables = ['counts'];
  version = 1;
  onError: PoisonPolicy = 'halt';
  failOn: string | undefined;
  private db!: SqliteDatabase;
  init(db: SqliteDatabase): void {
    this.db = db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL); CREATE INDEX IF NOT EXISTS counts_n ON counts (n)',
    );
  }
  apply(event: RecordedEvent): void {
    if (event.type === this.failOn) throw new Error(`cannot apply ${event.type}`);
    this.db.prepare('INSERT INTO counts VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(event.streamName);
  }
  reset(): void {
    this.db.exec('DELETE FROM counts');
  }
}

describe('ProjectionRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let store: MemoryEventStore;
  let db: SqliteDatabase;
  let runner: ProjectionRunner | undefined;
  beforeEach(() => {
    store = new MemoryEventStore();
    db = openSqlite(':memory:');
  });
  afterEach(async () => {
    await runner?.beforeApplicationShutdown();
    db.close();
  });

  const append = async (n: number, type = 'Counted', stream = 's-1') => {
    let last;
    for (let i = 0; i < n; i++) last = await store.append(stream, [{ type, data: { i } }], { expectedRevision: 'any' });
    return last!.position;
  };
  const total = (table = 'counts') => (db.prepare(`SELECT coalesce(sum(n), 0) AS n FROM ${table}`).get() as { n: number }).n;
  const startRunner = (projection: Projection) => {
    runner = new ProjectionRunner(store, db, [projection], { projectionRetryMs: 20 });
    runner.start();
    return runner;
  };
  const objects = () =>
    (db.prepare(`SELECT type, name FROM sqlite_master WHERE name LIKE 'counts%' ORDER BY name`).all() as { name: string }[]).map(
      (r) => r.name,
    );

  it('applies every event once and saves the checkpoint with the model', async () => {
    const r = startRunner(new CountingProjection());
    const position = await append(25);
    expect(await r.waitFor(position, 2000)).toBe(true);
    expect(total()).toBe(25);
    expect(new CheckpointStore(db).get('counting')?.position).toEqual(position);
  });

  it('resumes from the checkpoint after a restart, applying nothing twice', async () => {
    const projection = new CountingProjection();
    const first = startRunner(projection);
    expect(await first.waitFor(await append(10), 2000)).toBe(true);
    await first.beforeApplicationShutdown();
    const position = await append(5); // written while "down"
    expect(await startRunner(projection).waitFor(position, 2000)).toBe(true);
    expect(total()).toBe(15);
  });

  it('halt: keeps the events before a poison event, stops on it, and goes on once it applies', async () => {
    const projection = new CountingProjection();
    projection.failOn = 'Poison';
    const good = await append(3);
    const poison = (await store.append('s-1', [{ type: 'Poison', data: {} }], { expectedRevision: 'any' })).position;
    const after = await append(2);
    const r = startRunner(projection);
    expect(await r.waitFor(good, 2000)).toBe(true);
    expect(await r.waitFor(poison, 200)).toBe(false);
    expect(total()).toBe(3);
    expect(new CheckpointStore(db).get('counting')?.lastError).toMatch(/Poison .* at position 3 .*cannot apply Poison/);
    expect(r.status()[0].halted).toMatch(/cannot apply Poison/);
    projection.failOn = undefined; // the fix is deployed
    expect(await r.waitFor(after, 2000)).toBe(true);
    expect(total()).toBe(6);
    expect(new CheckpointStore(db).get('counting')?.lastError).toBeUndefined();
  });

  it('skip-and-park: records the poison event with its error and goes on', async () => {
    const projection = new CountingProjection();
    projection.failOn = 'Poison';
    projection.onError = 'skip-and-park';
    await append(2);
    await store.append('s-2', [{ type: 'Poison', data: {} }], { expectedRevision: 'any' });
    const r = startRunner(projection);
    expect(await r.waitFor(await append(2), 2000)).toBe(true);
    expect(total()).toBe(4);
    const parked = new ParkedEvents(db).list('counting', 1);
    expect(parked).toEqual([
      expect.objectContaining({ type: 'Poison', stream: 's-2', revision: 0n, position: '2', error: 'cannot apply Poison' }),
    ]);
    // The operator's retry (projections CLI) applies it once it can be applied, and unparks it.
    const fixed = new CountingProjection(); // the CLI's own instance, on the live tables
    fixed.failOn = 'Poison';
    expect(await retryParked(store, db, fixed)).toEqual({
      applied: [],
      failed: [{ eventId: parked[0].eventId, error: 'cannot apply Poison' }],
    });
    expect(new ParkedEvents(db).list('counting', 1)[0].attempts).toBe(2);
    fixed.failOn = undefined;
    expect(await retryParked(store, db, fixed)).toEqual({ applied: [parked[0].eventId], failed: [] });
    expect(new ParkedEvents(db).count('counting', 1)).toBe(0);
    expect(total()).toBe(5);
  });

  it('builds a new version beside the served one and switches it in whole', async () => {
    const projection = new CountingProjection();
    const first = startRunner(projection);
    await first.waitFor(await append(4), 2000);
    await first.beforeApplicationShutdown();
    expect(objects()).toEqual(['counts', 'counts_n']);
    projection.version = 2;
    const position = await append(2, 'Counted', 's-2');
    const second = startRunner(projection);
    expect(second.status()[0]).toMatchObject({ mode: 'rebuilding', generation: 1, rebuild: { generation: 2 } });
    expect(await second.waitFor(position, 2000)).toBe(true);
    expect(second.status()[0]).toMatchObject({ mode: 'live', generation: 2, version: 2, position });
    expect(total()).toBe(6);
    // The new tables took the plain names; the index keeps its generation's suffix (index names stay unique).
    expect(objects()).toEqual(['counts', 'counts_n__g2']);
    expect(new CheckpointStore(db).get('counting')).toMatchObject({ version: 2, generation: 2, position });
    expect(new CheckpointStore(db).rebuild('counting')).toBeUndefined();
    // Live again on generation 2: new events land in the renamed tables, and a restart changes nothing.
    expect(await second.waitFor(await append(1), 2000)).toBe(true);
    await second.beforeApplicationShutdown();
    expect(await startRunner(projection).waitFor(await append(1), 2000)).toBe(true);
    expect(total()).toBe(8);
    expect(objects()).toEqual(['counts', 'counts_n__g2']);
  });

  it('a rebuild halted on a poison event serves the old model meanwhile; an operator skip lets it finish', async () => {
    const projection = new CountingProjection();
    const first = startRunner(projection);
    await first.waitFor(await append(3), 2000);
    await first.beforeApplicationShutdown();
    await store.append('s-9', [{ type: 'Poison', data: {} }], { expectedRevision: 'any' });
    const last = await append(1);
    projection.version = 2;
    projection.failOn = 'Poison'; // the new version cannot apply an event the old one took
    const second = startRunner(projection);
    await waitUntil(() => second.status()[0].halted !== undefined);
    expect(second.status()[0]).toMatchObject({ mode: 'rebuilding', generation: 1, halted: expect.stringContaining('cannot apply Poison') });
    expect(total()).toBe(3); // the old model, as it stood
    expect(await skipHaltingEvent(store, db, projection)).toMatch(/^Poison .* at position 3 \(rebuild of generation 2\)$/);
    expect(await second.waitFor(last, 2000)).toBe(true);
    expect(second.status()[0]).toMatchObject({ mode: 'live', generation: 2, halted: undefined });
    expect(total()).toBe(4);
    expect(new ParkedEvents(db).list('counting', 2)).toEqual([expect.objectContaining({ type: 'Poison', stream: 's-9' })]);
  });

  it('refuses a projection that does not declare its tables, saying what to add', () => {
    const projection = Object.assign(new CountingProjection(), { tables: undefined as unknown as string[] });
    expect(() => new ProjectionRunner(store, db, [projection])).toThrow(
      /Projection "counting" does not declare its tables: add `readonly tables/,
    );
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !condition(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > until) throw new Error('condition not met in time');
  }
}
