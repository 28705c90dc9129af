import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { Caller } from '../../platform/auth/caller';
import { DomainError } from '../../platform/command/domain-error';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { TicketQueries } from '../tickets';
import { mayDownload } from './attachment-access';
import { AttachmentQueries } from './attachment.queries';
import { BLOB_STORE, BlobStore } from './blob-store';

/**
 * What a download is served with: always a download (never rendered inline), never sniffed into something
 * else, and a CSP that gives a document opened anyway no script, no requests, and a sandbox (an opaque
 * origin: no cookies, no storage of this origin).
 */
export const DOWNLOAD_CSP = "default-src 'none'; sandbox";

@Injectable()
export class AttachmentDownloads {
  constructor(
    private readonly attachments: AttachmentQueries,
    private readonly tickets: TicketQueries,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Sends the file, or a 404 for a file the caller may not read, whatever the reason (see mayDownload). */
  async send(id: string, caller: Caller, reply: FastifyReply): Promise<FastifyReply> {
    // The attachments model is awaited by its reads, not by writes: a download right after an upload or after the
    // ticket write that links the file waits until the model shows this instance's writes.
    await this.readYourWrites.beforeRead('attachments');
    const file = this.attachments.find(id);
    if (!file || !mayDownload(file, this.attachments.links(id), caller, this.tickets)) throw notFound(id);
    const blob = await this.blobs.open(id);
    if (!blob) throw notFound(id);
    return reply
      .header('content-type', file.content_type === 'text/plain' ? 'text/plain; charset=utf-8' : file.content_type)
      .header('content-length', String(blob.size))
      .header('content-disposition', contentDisposition(file.filename))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', DOWNLOAD_CSP)
      .header('cache-control', 'private, no-cache')
      .header('etag', `"${file.sha256}"`)
      .send(blob.body);
  }
}

const notFound = (id: string) => new DomainError('not_found', `Attachment ${id} not found`);

/** `attachment`, with an ASCII fallback name and the exact name in RFC 5987 form. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
