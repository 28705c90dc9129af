import { openSqlite, readModelTransaction } from './sqlite-database';

describe('SQLite durability settings', () => {
  const synchronous = (db: ReturnType<typeof openSqlite>) => db.pragma('synchronous', { simple: true });

  it('opens with synchronous=FULL, so an append is on disk before it returns', () => {
    const db = openSqlite(':memory:');
    expect(synchronous(db)).toBe(2);
    db.close();
  });

  it('runs read-model transactions with synchronous=NORMAL and always restores FULL for appends', () => {
    const db = openSqlite(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    let during: unknown;
    readModelTransaction(db, () => {
      during = synchronous(db);
      db.prepare('INSERT INTO t VALUES (1)').run();
    });
    expect(during).toBe(1);
    expect(synchronous(db)).toBe(2);
    expect(() => readModelTransaction(db, () => {
      db.prepare('INSERT INTO t VALUES (2)').run();
      throw new Error('boom');
    })).toThrow('boom');
    expect(synchronous(db)).toBe(2);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });
});
