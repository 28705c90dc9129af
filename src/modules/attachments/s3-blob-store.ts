import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore, checkKey } from './blob-store';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  readonly region: string;
  /** Empty = AWS; else an S3-compatible endpoint. */
  readonly endpoint?: string;
  readonly prefix?: string;
  readonly forcePathStyle?: boolean;
  /** Local directory for uploads in progress. */
  readonly tempDir: string;
  /** Tests: fixed credentials; production uses the SDK's default chain (AWS_ACCESS_KEY_ID, a role, ...). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Blobs in an S3-compatible bucket through the AWS SDK v3. S3 answers a PutObject only once the object is
 * stored durably, so a `put` that returned survives a crash of this service as the local store's does.
 */
export class S3BlobStore implements BlobStore {
  readonly tempDir: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.tempDir = join(options.tempDir);
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: the newer default (a streamed CRC trailer, aws-chunked) is not
      // understood by every S3-compatible store. The service keeps its own SHA-256 of every file anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async init(): Promise<void> {
    await mkdir(this.tempDir, { recursive: true });
  }

  private keyOf(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }

  async put(key: string, tempFile: string, meta: { contentType: string; size: number }): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.keyOf(key),
        Body: createReadStream(tempFile),
        ContentLength: meta.size,
        ContentType: meta.contentType,
      }),
    );
    await unlink(tempFile).catch(() => undefined);
  }

  async open(key: string): Promise<{ body: Readable; size: number } | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      return { body: answer.Body as Readable, size: answer.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that is not there: deleting twice is fine.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
