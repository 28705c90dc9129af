import '@fastify/multipart';
import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AttachmentSettings, SETTINGS, Settings } from '../../platform/config/settings';
import { DomainError } from '../../platform/command/domain-error';
import { CommandContext } from '../../platform/http/request-context';
import { AttachmentCommandHandler } from './attachment-command-handler';
import { AttachmentUploaded, AttachmentUploader } from './attachment.events';
import { BLOB_STORE, BlobStore } from './blob-store';
import { SNIFF_BYTES, assetTypeOf, sniffContentType } from './content-sniffing';
import { ScannerUnavailableError, VirusScanner } from './virus-scan';

/** One stored file as the upload answers it: a TicketAsset (display, value, type) and what the service knows of it. */
export interface UploadedAttachment {
  readonly display: string;
  readonly value: string;
  readonly type: 'image' | 'video' | 'file';
  readonly id: string;
  readonly sha256: string;
  readonly size: number;
  readonly content_type: string;
}

/** A file received into a temporary file, hashed and sniffed on the way, not yet checked or stored. */
interface ReceivedFile {
  readonly id: string;
  readonly tempFile: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
}

export interface UploadTarget {
  readonly companyId: string;
  readonly applicationId?: string;
  readonly uploader: AttachmentUploader;
  /** The download URL of an id, as this caller's side of the API serves it. */
  readonly urlOf: (id: string) => string;
}

/** Part names and values are not used; bound them so a body of many tiny fields is refused early. */
const MAX_FIELDS = 10;

/**
 * Receives a multipart upload: each file part is streamed to a temporary file (never held in memory), hashed
 * and sniffed on the way; then every file of the request is checked against the allow-list and the scanner;
 * only when all passed are they stored (blob first, then the event), so a request is refused whole and a
 * refusal leaves nothing behind. The 2xx answer comes after the blob is durable and its event appended.
 */
@Injectable()
export class AttachmentUploads {
  private readonly settings: AttachmentSettings;
  private readonly scanner: VirusScanner;

  constructor(
    @Inject(SETTINGS) settings: Settings,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly handler: AttachmentCommandHandler,
  ) {
    this.settings = settings.attachments;
    this.scanner = new VirusScanner(settings.attachments);
  }

  async upload(request: FastifyRequest, target: UploadTarget, context: CommandContext): Promise<{ items: UploadedAttachment[] }> {
    if (!request.isMultipart()) {
      throw new HttpException('Send the files as multipart/form-data, one file part each', HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    }
    const received: ReceivedFile[] = [];
    try {
      await this.receive(request, received);
      if (received.length === 0)
        throw new DomainError('invalid', 'The upload holds no file part', { errors: [{ field: 'file', message: 'required' }] });
      for (const file of received) this.checkType(file);
      if (this.scanner.enabled) for (const file of received) await this.scan(file);
      const items: UploadedAttachment[] = [];
      for (const [index, file] of received.entries()) items.push(await this.store(file, index, target, context));
      return { items };
    } finally {
      // Stored files were moved away; whatever is still here was refused or cut off.
      await Promise.all(received.map((f) => unlink(f.tempFile).catch(() => undefined)));
    }
  }

  private async receive(request: FastifyRequest, received: ReceivedFile[]): Promise<void> {
    const { maxBytes, maxFiles } = this.settings;
    try {
      const parts = request.parts({
        limits: {
          fileSize: maxBytes,
          files: maxFiles,
          fields: MAX_FIELDS,
          parts: maxFiles + MAX_FIELDS,
          fieldSize: 1024,
          headerPairs: 100,
        },
      });
      for await (const part of parts) {
        if (part.type !== 'file') continue;
        const id = randomUUID();
        const tempFile = join(this.blobs.tempDir, `${id}.part`);
        // Registered before writing: a failure midway still removes the partial file.
        const entry = { id, tempFile, filename: cleanFilename(part.filename), contentType: '', size: 0, sha256: '' };
        received.push(entry);
        const written = await writeTemp(tempFile, part.file);
        if (part.file.truncated) throw tooLarge(maxBytes);
        received[received.length - 1] = { ...entry, ...written };
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
      if (code === 'FST_FILES_LIMIT') {
        throw new DomainError('limit', `An upload may carry at most ${maxFiles} files`, { max_files: maxFiles });
      }
      if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
        throw new DomainError('limit', `An upload may carry at most ${maxFiles} files and ${MAX_FIELDS} other fields`);
      }
      // Our own refusals, and file-system errors (they name a syscall: a full disk is the service's fault),
      // pass; anything else came from parsing the body (no boundary, a malformed part, a cut-off stream).
      if (error instanceof HttpException || error instanceof DomainError || (error as { syscall?: string }).syscall) throw error;
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) throw error;
      throw new DomainError('invalid', `The multipart body cannot be read: ${(error as Error).message}`);
    }
  }

  private checkType(file: ReceivedFile): void {
    if (this.settings.allowedTypes.includes(file.contentType)) return;
    throw new HttpException(
      {
        message: `${file.filename}: its content is ${file.contentType} (read from the bytes, whatever the part's header said), which is not accepted; accepted: ${this.settings.allowedTypes.join(', ')}`,
      },
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }

  private async scan(file: ReceivedFile): Promise<void> {
    let verdict;
    try {
      verdict = await this.scanner.scan(file.tempFile);
    } catch (error) {
      if (error instanceof ScannerUnavailableError) {
        throw new HttpException(`The virus scanner gave no verdict, so nothing was stored; retry later (${error.message})`, 503);
      }
      throw error;
    }
    if (!verdict.clean) {
      throw new HttpException(`${file.filename}: refused by the virus scanner; nothing was stored`, HttpStatus.UNPROCESSABLE_ENTITY);
    }
  }

  private async store(file: ReceivedFile, index: number, target: UploadTarget, context: CommandContext): Promise<UploadedAttachment> {
    await this.blobs.put(file.id, file.tempFile, { contentType: file.contentType, size: file.size });
    const data: AttachmentUploaded['data'] = {
      id: file.id,
      company_id: target.companyId,
      ...(target.applicationId ? { application_id: target.applicationId } : {}),
      filename: file.filename,
      content_type: file.contentType,
      size: file.size,
      sha256: file.sha256,
      uploader: target.uploader,
      uploaded_at: context.now,
    };
    // One command per file, each with its own id (event ids derive from it).
    await this.handler.handle(file.id, { kind: 'RecordUpload', file: data }, { ...context, commandId: `${context.commandId}:${index}` });
    return {
      display: file.filename,
      value: target.urlOf(file.id),
      type: assetTypeOf(file.contentType),
      id: file.id,
      sha256: file.sha256,
      size: file.size,
      content_type: file.contentType,
    };
  }
}

const tooLarge = (maxBytes: number) =>
  new HttpException(
    `A file is larger than the ${maxBytes} bytes one attachment may have; nothing was stored`,
    HttpStatus.PAYLOAD_TOO_LARGE,
  );

/** Streams a part to a new file, fsynced before it is closed; answers its hash, size and sniffed type. */
async function writeTemp(path: string, stream: AsyncIterable<Buffer>): Promise<{ size: number; sha256: string; contentType: string }> {
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk);
      size += chunk.length;
      if (headLength < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headLength));
        headLength += Math.min(chunk.length, SNIFF_BYTES - headLength);
      }
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex'), contentType: sniffContentType(Buffer.concat(head)) };
}

/** The client's file name without any path, control characters or quotes, at most 200 characters. */
export function cleanFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}
