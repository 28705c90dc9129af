import { openSqlite } from './sqlite-database';

describe('SQLite durability settings', () => {
  const synchronous = (db: ReturnType<typeof openSqlite>) => db.pragma('synchronous', { simple: true });

  it('opens with synchronous=FULL, so an append is on disk before it returns', () => {
    const db = openSqlite(':memory:');
    expect(synchronous(db)).toBe(2);
    db.close();
  });
});
