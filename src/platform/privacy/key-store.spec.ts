import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyStore } from './key-store';

describe('SqliteKeyStore', () => {
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-keys-'));
    return { dir, keys: new SqliteKeyStore(join(dir, 'keys.db')) };
  };

  it('gives each subject one 32-byte key, found again by the key id ciphertexts name', () => {
    const { keys } = open();
    const a = keys.keyFor('1/alice');
    expect(a.key).toHaveLength(32);
    expect(keys.keyFor('1/alice')).toEqual(a);
    expect(keys.keyFor('1/bob').keyId).not.toBe(a.keyId);
    expect(keys.keyFor('2/alice').keyId).not.toBe(a.keyId);
    expect(keys.keyById(a.keyId)).toEqual(a.key);
    expect(keys.keyIdOf('1/alice')).toBe(a.keyId);
    keys.close();
  });

  it('destroys a key so that no file of the store still holds its bytes; idempotent; a later write gets a new key', () => {
    const { dir, keys } = open();
    const alice = keys.keyFor('1/alice');
    const bob = keys.keyFor('1/bob');
    const filesHold = (bytes: Buffer) => readdirSync(dir).some((f) => readFileSync(join(dir, f)).includes(bytes));
    expect(filesHold(alice.key)).toBe(true);
    expect(keys.destroy('1/alice')).toBe(1);
    expect(keys.destroy('1/alice')).toBe(0);
    expect(keys.keyById(alice.keyId)).toBeUndefined();
    expect(keys.keyById(bob.keyId)).toEqual(bob.key);
    // secure_delete zeroed it in the page, the TRUNCATE checkpoint emptied the WAL.
    expect(filesHold(alice.key)).toBe(false);
    expect(filesHold(bob.key)).toBe(true);
    expect(keys.keyFor('1/alice').keyId).not.toBe(alice.keyId);
    keys.close();
  });

  describe('the key cache', () => {
    it('serves a warm key without reading keys.db, and destroy evicts it at once', () => {
      const { keys } = open();
      const alice = keys.keyFor('1/alice');
      expect(keys.cachedKeys).toBe(1);
      // Warm: the row is gone behind the cache's back (a raw delete on this connection does not bump
      // data_version), yet the key still comes from memory. This is what a cache hit means.
      (keys as unknown as { db: { prepare(sql: string): { run(): void } } }).db.prepare('DELETE FROM subject_keys').run();
      expect(keys.keyById(alice.keyId)).toEqual(alice.key);
      expect(keys.keyFor('1/alice')).toEqual(alice);
      keys.close();
    });

    it('a destroy on the same store evicts the subject: keyById and keyIdOf miss, keyFor makes a new key', () => {
      const { keys } = open();
      const alice = keys.keyFor('1/alice');
      const bob = keys.keyFor('1/bob');
      expect(keys.keyById(alice.keyId)).toEqual(alice.key); // warm by key id too
      keys.destroy('1/alice');
      expect(keys.cachedKeys).toBe(1);
      expect(keys.keyById(alice.keyId)).toBeUndefined();
      expect(keys.keyIdOf('1/alice')).toBeUndefined();
      expect(keys.keyById(bob.keyId)).toEqual(bob.key);
      expect(keys.keyFor('1/alice').keyId).not.toBe(alice.keyId);
      keys.close();
    });

    it('a destroy through another connection to the same file (another instance, a CLI) evicts this one’s cache too', () => {
      const { dir, keys } = open();
      const other = new SqliteKeyStore(join(dir, 'keys.db'));
      const alice = keys.keyFor('1/alice');
      const bob = keys.keyFor('1/bob');
      expect(keys.keyById(alice.keyId)).toEqual(alice.key);
      expect(other.destroy('1/alice')).toBe(1);
      expect(keys.keyById(alice.keyId)).toBeUndefined();
      expect(keys.keyFor('1/alice').keyId).not.toBe(alice.keyId);
      // The rest is read again from the file, unchanged.
      expect(keys.keyById(bob.keyId)).toEqual(bob.key);
      other.close();
      keys.close();
    });

    it('is bounded: the least recently used subject goes first, and is read back from the file when asked again', () => {
      const dir = mkdtempSync(join(tmpdir(), 'lead-keys-'));
      const keys = new SqliteKeyStore(join(dir, 'keys.db'), 2);
      const a = keys.keyFor('1/a');
      keys.keyFor('1/b');
      keys.keyFor('1/a'); // a is now the most recently used
      keys.keyFor('1/c');
      expect(keys.cachedKeys).toBe(2);
      (keys as unknown as { db: { prepare(sql: string): { run(): void } } }).db
        .prepare("DELETE FROM subject_keys WHERE subject = '1/b'")
        .run();
      // b was evicted, so its deletion is seen; a was kept, so it still answers from memory.
      expect(keys.keyIdOf('1/b')).toBeUndefined();
      expect(keys.keyFor('1/a')).toEqual(a);
      keys.close();
    });
  });
});
