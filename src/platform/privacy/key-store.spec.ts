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
});
