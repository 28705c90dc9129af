import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeS3 } from '../../../test/support/fake-s3';
import { S3BlobStore } from './s3-blob-store';

const KEY = '0b0a4d7e-9f57-4c4e-8a3b-1d2f3e4a5b6c';

describe('S3 blob store (against an in-process fake S3)', () => {
  const s3 = fakeS3();
  let dir: string;
  let store: S3BlobStore;

  beforeAll(async () => {
    await new Promise<void>((done) => s3.server.listen(0, '127.0.0.1', done));
    dir = mkdtempSync(join(tmpdir(), 'lead-s3-'));
    store = new S3BlobStore({
      bucket: 'lead-files',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(s3.server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      prefix: 'att/',
      tempDir: join(dir, 'tmp'),
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    await store.init();
  });

  afterAll(async () => {
    store.destroy();
    await new Promise((done) => s3.server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the temporary file under the bucket and prefix, signed, and removes the temporary file', async () => {
    const temp = join(store.tempDir, 'upload-1');
    writeFileSync(temp, 'hello blob');
    await store.put(KEY, temp, { contentType: 'text/plain', size: 10 });
    expect(s3.objects.get(`/lead-files/att/${KEY}`)).toEqual({ body: Buffer.from('hello blob'), contentType: 'text/plain' });
    expect(s3.requests.at(-1)!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    expect(existsSync(temp)).toBe(false);
  });

  it('opens a stored blob as a stream with its size', async () => {
    const found = await store.open(KEY);
    expect(found?.size).toBe(10);
    const chunks: Buffer[] = [];
    for await (const chunk of found!.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello blob');
  });

  it('answers undefined for a missing key, and deletes idempotently', async () => {
    await store.delete(KEY);
    await store.delete(KEY);
    expect(s3.objects.size).toBe(0);
    expect(await store.open(KEY)).toBeUndefined();
  });

  it('refuses a key that is not an attachment id', async () => {
    await expect(store.open('../../etc/passwd')).rejects.toThrow(/not a blob key/);
  });
});
