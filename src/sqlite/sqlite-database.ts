import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens the one SQLite file that holds the event log and the read models. WAL lets readers run beside the
 * writer; synchronous=FULL makes every commit reach the disk before it returns, so a 2xx survives a crash or
 * a power cut (NORMAL would only survive a process crash).
 */
export function openSqlite(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs a read-model transaction without its own fsync. Read models and their checkpoints can always be
 * rebuilt from the event log, so their commits need not reach the disk at once: in WAL mode a commit with
 * synchronous=NORMAL is still atomic, and the next event append (synchronous=FULL) syncs the WAL up to and
 * including it. A power cut can lose only a tail of projected batches, together with their checkpoint, which
 * the runner then applies again. The event log's durability is untouched; each write saves one fsync per
 * projection.
 */
export function readModelTransaction<T>(db: SqliteDatabase, work: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(work)();
  } finally {
    db.pragma('synchronous = FULL');
  }
}
