import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/platform/event-store/sqlite.event-store';
import { openSqlite } from '../../src/platform/sqlite/sqlite-database';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('sqlite (file, WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lead-contract-'));
  const db = openSqlite(join(dir, 'lead.db'));
  const store = new SqliteEventStore(db);
  return {
    store,
    dispose: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
