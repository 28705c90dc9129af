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
  /**
   * Changes whenever a key may have been destroyed (here, or by another connection to the store): a cache of
   * anything decrypted must be dropped when it changes.
   */
  generation(): number;
  /** Destroys the subject's keys; returns how many there were. Idempotent. */
  destroy(subject: string): number;
  close(): void;
}

/** How many subjects' keys a key store keeps in memory (about 100 bytes each); the least recently used go first. */
export const KEY_CACHE_SIZE = 10_000;

/**
 * The key store of the embedded deployment and of EventStoreDB deployments alike: its own SQLite file
 * (`LEAD_KEY_STORE_PATH`, default `<data dir>/keys.db`), never the event log's file, so the log's backup does
 * not carry the keys. `secure_delete` overwrites a deleted key's bytes in the page, and the checkpoint after a
 * delete truncates the WAL, which still held the page with the key (docs/privacy.md).
 *
 * Keys are cached in memory (a bounded LRU by subject and by key id), because a SELECT per subject per write
 * and per key per read was most of what sealing cost (bench/README.md). The cache never outlives a key:
 * `destroy` evicts it here at once, and every lookup first asks SQLite's `data_version`, which changes when
 * any other connection (another instance on the shared file, a CLI, a second store object) committed to the
 * file; then the whole cache is dropped, so a key destroyed anywhere is not used again from here. Our own
 * writes do not change it, so on one instance the check costs a few microseconds and no row read.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly statements: {
    byKeyId: Database.Statement<[string], { key_id: string; key: Buffer; subject: string }>;
    bySubject: Database.Statement<[string], { key_id: string; key: Buffer }>;
    insert: Database.Statement<[string, string, Buffer, string]>;
    remove: Database.Statement<[string]>;
    dataVersion: Database.Statement<[], number>;
  };
  /** subject -> its key, least recently used first (Map keeps insertion order). */
  private readonly bySubject = new Map<string, SubjectKey>();
  /** key id -> subject, for the keys in `bySubject`. */
  private readonly subjectOfKey = new Map<string, string>();
  private seenVersion: number;
  private generationCount = 0;

  constructor(
    readonly file: string,
    private readonly cacheSize = KEY_CACHE_SIZE,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS subject_keys (
      subject TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, key BLOB NOT NULL, created_at TEXT NOT NULL)`);
    this.statements = {
      byKeyId: this.db.prepare('SELECT key_id, key, subject FROM subject_keys WHERE key_id = ?'),
      bySubject: this.db.prepare('SELECT key_id, key FROM subject_keys WHERE subject = ?'),
      // Two instances creating the same subject's key at once: the first insert wins, both read it back.
      insert: this.db.prepare('INSERT OR IGNORE INTO subject_keys (subject, key_id, key, created_at) VALUES (?, ?, ?, ?)'),
      remove: this.db.prepare('DELETE FROM subject_keys WHERE subject = ?'),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
    this.seenVersion = this.statements.dataVersion.get()!;
  }

  keyFor(subject: string): SubjectKey {
    const cached = this.cached(subject);
    if (cached) return cached;
    let found = this.statements.bySubject.get(subject);
    if (!found) {
      this.statements.insert.run(subject, randomUUID(), randomBytes(32), new Date().toISOString());
      found = this.statements.bySubject.get(subject)!;
    }
    return this.remember(subject, { keyId: found.key_id, key: found.key });
  }

  keyById(keyId: string): Buffer | undefined {
    this.dropIfChangedElsewhere();
    const subject = this.subjectOfKey.get(keyId);
    if (subject !== undefined) return this.touch(subject)!.key;
    const found = this.statements.byKeyId.get(keyId);
    return found && this.remember(found.subject, { keyId: found.key_id, key: found.key }).key;
  }

  keyIdOf(subject: string): string | undefined {
    return this.cached(subject)?.keyId ?? this.statements.bySubject.get(subject)?.key_id;
  }

  destroy(subject: string): number {
    // Evicted before the delete, so that nothing here can hand the key out again even if the delete throws.
    this.forget(subject);
    this.generationCount++;
    const removed = this.statements.remove.run(subject).changes;
    // The WAL still holds the page the key was on: copy it back (secure_delete zeroed the key there) and
    // truncate the WAL file to nothing.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return removed;
  }

  close(): void {
    this.bySubject.clear();
    this.subjectOfKey.clear();
    this.db.close();
  }

  /** The cached key of the subject (marked most recently used), after checking no other connection wrote. */
  private cached(subject: string): SubjectKey | undefined {
    this.dropIfChangedElsewhere();
    return this.touch(subject);
  }

  private touch(subject: string): SubjectKey | undefined {
    const key = this.bySubject.get(subject);
    if (key) {
      this.bySubject.delete(subject);
      this.bySubject.set(subject, key);
    }
    return key;
  }

  private remember(subject: string, key: SubjectKey): SubjectKey {
    this.forget(subject);
    this.bySubject.set(subject, key);
    this.subjectOfKey.set(key.keyId, subject);
    if (this.bySubject.size > this.cacheSize) this.forget(this.bySubject.keys().next().value!);
    return key;
  }

  private forget(subject: string): void {
    const key = this.bySubject.get(subject);
    if (!key) return;
    this.bySubject.delete(subject);
    this.subjectOfKey.delete(key.keyId);
  }

  /** Another connection committed (a key destroyed or created elsewhere): nothing cached can be trusted. */
  private dropIfChangedElsewhere(): void {
    const version = this.statements.dataVersion.get()!;
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.generationCount++;
    this.bySubject.clear();
    this.subjectOfKey.clear();
  }

  generation(): number {
    this.dropIfChangedElsewhere();
    return this.generationCount;
  }

  /** How many subjects' keys are in memory (the specs). */
  get cachedKeys(): number {
    return this.bySubject.size;
  }
}
