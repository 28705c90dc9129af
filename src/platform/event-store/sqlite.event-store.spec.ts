import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../sqlite/sqlite-database';
import { WrongExpectedVersionError } from './event-store.port';
import { SqliteEventStore } from './sqlite.event-store';

describe('SqliteEventStore group commit', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lead-sqlite-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits a group of concurrent appends together, a conflict failing only its own append', async () => {
    const file = join(dir, 'lead.db');
    const db = openSqlite(file);
    const store = new SqliteEventStore(db);
    await store.append('taken', [{ type: 'T', data: {} }], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled([
      ...Array.from({ length: 50 }, (_, i) => store.append(`s-${i}`, [{ type: 'T', data: { i } }], { expectedRevision: 'no_stream' })),
      store.append('taken', [{ type: 'T', data: {} }], { expectedRevision: 'no_stream' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0].reason).toBeInstanceOf(WrongExpectedVersionError);
    db.close();

    // What was answered is in the file, read by a fresh connection.
    const reopened = openSqlite(file);
    expect((reopened.prepare('SELECT count(*) AS n FROM es_events').get() as { n: number }).n).toBe(51);
    reopened.close();
  });

  it('a full disk fails the whole group: no append of it is stored, none is answered as stored', async () => {
    const db = openSqlite(join(dir, 'lead.db'));
    const store = new SqliteEventStore(db);
    await store.append('s-0', [{ type: 'T', data: {} }], { expectedRevision: 'no_stream' });
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    // The big one fails with SQLITE_FULL and SQLite ends the transaction; the small ones would fit on their own.
    const results = await Promise.allSettled([
      store.append('big', [{ type: 'T', data: { blob: 'x'.repeat(100_000) } }], { expectedRevision: 'any' }),
      ...Array.from({ length: 3 }, (_, i) => store.append(`small-${i}`, [{ type: 'T', data: {} }], { expectedRevision: 'any' })),
    ]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code)).toEqual(Array(4).fill('SQLITE_FULL'));
    expect(await store.readAll()).toHaveLength(1);
    db.close();
  });
});
