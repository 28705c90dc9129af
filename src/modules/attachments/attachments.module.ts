import multipart from '@fastify/multipart';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { AuthModule } from '../../platform/auth/auth.module';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { TicketsModule } from '../tickets/tickets.module';
import { AttachmentCommandHandler } from './attachment-command-handler';
import { AttachmentDownloads } from './attachment-downloads';
import { AttachmentRetention } from './attachment-retention';
import { AttachmentUploads } from './attachment-uploads';
import { AttachmentProjection } from './attachment.projection';
import { AttachmentQueries } from './attachment.queries';
import { BLOB_STORE, BlobStore, LocalBlobStore } from './blob-store';
import { StaffAttachmentsController } from './http/staff-attachments.controller';
import { StorefrontAttachmentsController } from './http/storefront-attachments.controller';

async function blobStoreOf(settings: Settings): Promise<BlobStore> {
  const { store, dir, s3 } = settings.attachments;
  // The AWS SDK is loaded only when it is used: requiring it costs most of a second at every start.
  const blobs =
    store === 's3'
      ? new (await import('./s3-blob-store')).S3BlobStore({ ...s3, endpoint: s3.endpoint || undefined, tempDir: `${dir}/.tmp` })
      : new LocalBlobStore(dir);
  await blobs.init();
  return blobs;
}

@Module({
  imports: [AuthModule, TicketsModule],
  controllers: [StorefrontAttachmentsController, StaffAttachmentsController],
  providers: [
    { provide: BLOB_STORE, inject: [SETTINGS], useFactory: blobStoreOf },
    AttachmentCommandHandler,
    AttachmentUploads,
    AttachmentDownloads,
    AttachmentQueries,
    AttachmentProjection,
    AttachmentRetention,
  ],
  exports: [AttachmentProjection, AttachmentRetention],
})
export class AttachmentsModule implements OnModuleInit {
  constructor(private readonly http: HttpAdapterHost) {}

  onModuleInit(): void {
    // Multipart bodies are parsed only where a route asks for them (request.parts()): the plugin's own
    // limits are given per request by AttachmentUploads, and no other route takes multipart/form-data.
    const fastify = this.http.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser('multipart/form-data')) {
      // Queued, not awaited: awaiting would load Fastify's plugin queue now, building the routes before Nest
      // sets its error handler (after every onModuleInit), and errors of hooks would skip the problem filter.
      void fastify.register(multipart, { throwFileSizeLimit: true });
    }
  }
}
