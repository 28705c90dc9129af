import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore, sweepTempDir } from './blob-store';

const KEY = '0b0a4d7e-9f57-4c4e-8a3b-1d2f3e4a5b6c';

describe('local blob store', () => {
  let dir: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lead-blobs-'));
    store = new LocalBlobStore(dir);
    await store.init();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves the temporary file into place, reads it back, deletes it (twice without error)', async () => {
    const temp = join(store.tempDir, 'u1');
    writeFileSync(temp, 'bytes');
    await store.put(KEY, temp);
    expect(existsSync(temp)).toBe(false);
    expect(readFileSync(join(dir, '0b', KEY), 'utf8')).toBe('bytes');
    const found = await store.open(KEY);
    expect(found?.size).toBe(5);
    found!.body.destroy();
    await store.delete(KEY);
    await store.delete(KEY);
    expect(await store.open(KEY)).toBeUndefined();
  });

  it('refuses keys that could name another path', async () => {
    await expect(store.open('../clients.json')).rejects.toThrow(/not a blob key/);
  });

  it('sweeps only temporary files older than the limit', async () => {
    writeFileSync(join(store.tempDir, 'old'), 'x');
    writeFileSync(join(store.tempDir, 'new'), 'x');
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(store.tempDir, 'old'), old, old);
    expect(await sweepTempDir(store.tempDir, 3_600_000)).toBe(1);
    expect(existsSync(join(store.tempDir, 'new'))).toBe(true);
  });
});
