import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One data subject's key: `keyId` is what stored ciphertext names (never the subject), `key` 32 bytes. */
export interface SubjectKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/**
 * Where the per-subject keys live: outside the event log, so that destroying a key (erasure) needs no change
 * to the log, and a backup of the log alone holds no key. Subjects are `<company_id>/<user id>`.
 */
export interface KeyStore {
  /** The subject's key, created on first use (also after an erasure: new data gets a new key). */
  keyFor(subject: string): SubjectKey;
  /** The key a ciphertext names; undefined once its subject was erased (or never existed here). */
  keyById(keyId: string): Buffer | undefined;
  /** The subject's current key id, without creating one. */
  keyIdOf(subject: string): string | undefined;
  /** Destroys the subject's keys; returns how many there were. Idempotent. */
  destroy(subject: string): number;
  close(): void;
}

/**
 * The key store of the embedded deployment and of EventStoreDB deployments alike: its own SQLite file
 * (`LEAD_KEY_STORE_PATH`, default `<data dir>/keys.db`), never the event log's file, so the log's backup does
 * not carry the keys. `secure_delete` overwrites a deleted key's bytes in the page, and the checkpoint after a
 * delete truncates the WAL, which still held the page with the key (docs/privacy.md).
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly statements: {
    byKeyId: Database.Statement<[string], { key: Buffer }>;
    bySubject: Database.Statement<[string], { key_id: string; key: Buffer }>;
    insert: Database.Statement<[string, string, Buffer, string]>;
    remove: Database.Statement<[string]>;
  };

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS subject_keys (
      subject TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, key BLOB NOT NULL, created_at TEXT NOT NULL)`);
    this.statements = {
      byKeyId: this.db.prepare('SELECT key FROM subject_keys WHERE key_id = ?'),
      bySubject: this.db.prepare('SELECT key_id, key FROM subject_keys WHERE subject = ?'),
      // Two instances creating the same subject's key at once: the first insert wins, both read it back.
      insert: this.db.prepare('INSERT OR IGNORE INTO subject_keys (subject, key_id, key, created_at) VALUES (?, ?, ?, ?)'),
      remove: this.db.prepare('DELETE FROM subject_keys WHERE subject = ?'),
    };
  }

  keyFor(subject: string): SubjectKey {
    const found = this.statements.bySubject.get(subject);
    if (found) return { keyId: found.key_id, key: found.key };
    this.statements.insert.run(subject, randomUUID(), randomBytes(32), new Date().toISOString());
    const made = this.statements.bySubject.get(subject)!;
    return { keyId: made.key_id, key: made.key };
  }

  keyById(keyId: string): Buffer | undefined {
    return this.statements.byKeyId.get(keyId)?.key;
  }

  keyIdOf(subject: string): string | undefined {
    return this.statements.bySubject.get(subject)?.key_id;
  }

  destroy(subject: string): number {
    const removed = this.statements.remove.run(subject).changes;
    // The WAL still holds the page the key was on: copy it back (secure_delete zeroed the key there) and
    // truncate the WAL file to nothing.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return removed;
  }

  close(): void {
    this.db.close();
  }
}
