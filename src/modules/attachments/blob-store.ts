import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * Where the bytes of uploaded files live, keyed by attachment id. The events say what was stored; the blob
 * store holds it. Uploads are first written to a local temporary file (`tempDir`), hashed, sniffed and
 * scanned there, and only then handed to `put`, so nothing half-checked is ever stored under its key.
 */
export interface BlobStore {
  /** A local directory for uploads in progress (also in S3 mode: the scanner needs a path). */
  readonly tempDir: string;
  /** Stores the finished temporary file under `key`, durably, and removes the temporary file. */
  put(key: string, tempFile: string, meta: { readonly contentType: string; readonly size: number }): Promise<void>;
  /** The stored bytes, or undefined when there is no blob under `key`. */
  open(key: string): Promise<{ readonly body: Readable; readonly size: number } | undefined>;
  /** Removes the blob; removing one that is not there is not an error (retries, races). */
  delete(key: string): Promise<void>;
}

export const BLOB_STORE = Symbol('BLOB_STORE');

/** Keys are attachment ids (UUIDs); anything else is refused before it can name a path. */
const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a blob key: ${JSON.stringify(key)}`);
  return key;
}

/**
 * Blobs as files in a local directory (by default `<data dir>/attachments`), fanned out by the first two
 * characters of the id. A put is a rename of the temporary file, which was fsynced when written, followed by
 * an fsync of the directory: once `put` returns, a crash cannot lose the file or leave half of it.
 */
export class LocalBlobStore implements BlobStore {
  readonly tempDir: string;

  constructor(private readonly dir: string) {
    this.tempDir = join(dir, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.tempDir, { recursive: true });
  }

  private pathOf(key: string): { dir: string; file: string } {
    const dir = join(this.dir, checkKey(key).slice(0, 2));
    return { dir, file: join(dir, key) };
  }

  async put(key: string, tempFile: string): Promise<void> {
    const { dir, file } = this.pathOf(key);
    await mkdir(dir, { recursive: true });
    await rename(tempFile, file);
    await fsyncDir(dir);
  }

  async open(key: string): Promise<{ body: Readable; size: number } | undefined> {
    const { file } = this.pathOf(key);
    try {
      const { size } = await stat(file);
      return { body: createReadStream(file), size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { dir, file } = this.pathOf(key);
    await rm(file, { force: true });
    await fsyncDir(dir).catch(() => undefined);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary files older than `olderThanMs` (uploads cut off by a crash or a dropped connection). */
export async function sweepTempDir(tempDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tempDir).catch(() => [] as string[])) {
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > olderThanMs) {
      await unlink(path).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
