import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { systemContext } from '../../platform/http/system-context';
import { PeriodicJob } from '../../platform/jobs/periodic-job';
import { AttachmentCommandHandler } from './attachment-command-handler';
import { AttachmentDeleted } from './attachment.events';
import { AttachmentQueries, StoredAttachment } from './attachment.queries';
import { BLOB_STORE, BlobStore, sweepTempDir } from './blob-store';

/** Temporary files of uploads cut off midway are removed after this long. */
const TEMP_FILE_MAX_AGE_MS = 3_600_000;
const SWEEP_BATCH = 500;

/**
 * Deletes blobs that must go and records each deletion as an `AttachmentDeleted` event: uploads no ticket
 * referenced within LEAD_ATTACHMENT_UNLINKED_RETENTION_MS (a periodic job on every instance), and every file
 * a data subject uploaded, when their data is erased (`deleteBlobsOfSubject`, for the erasure work).
 * The blob is deleted before the event is recorded: a crash in between leaves a file still listed as stored
 * but without bytes (a download is then 404), and the next sweep or erasure deletes it again (a no-op) and
 * records the event. The other order could record a deletion whose bytes stay on disk.
 */
@Injectable()
export class AttachmentRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob<number>;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly queries: AttachmentQueries,
    private readonly handler: AttachmentCommandHandler,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {
    this.job = new PeriodicJob('attachment-retention', () => this.sweep());
  }

  onApplicationBootstrap(): void {
    this.job.start(this.settings.attachments.retentionIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
  }

  /** One sweep now (after any under way): deletes expired unlinked uploads; answers how many. */
  runOnce(): Promise<number> {
    return this.job.run();
  }

  /**
   * Deletes the blobs of every file a storefront user uploaded (in one company, or all), recording each
   * deletion with reason `erasure`; answers the ids deleted. Idempotent: a second call finds nothing left.
   */
  async deleteBlobsOfSubject(subject: { readonly userId: string; readonly companyId?: string }): Promise<string[]> {
    const files = this.queries.ofStorefrontUser(subject.userId, subject.companyId);
    for (const file of files) await this.delete(file, 'erasure');
    return files.map((f) => f.id);
  }

  private async sweep(now = Date.now()): Promise<number> {
    await sweepTempDir(this.blobs.tempDir, TEMP_FILE_MAX_AGE_MS, now);
    const cutoff = new Date(now - this.settings.attachments.unlinkedRetentionMs).toISOString();
    const expired = this.queries.unlinkedBefore(cutoff, SWEEP_BATCH);
    for (const file of expired) await this.delete(file, 'retention');
    return expired.length;
  }

  private async delete(file: StoredAttachment, reason: AttachmentDeleted['data']['reason']): Promise<void> {
    await this.blobs.delete(file.id);
    const tenant = { companyId: file.company_id, ...(file.application_id ? { applicationId: file.application_id } : {}) };
    // The command id names the file and the reason: a retried deletion after a crash writes nothing twice.
    const context = systemContext(`attachment-${reason}`, { tenant, commandId: `attachment-${reason}:${file.id}` });
    await this.handler.handle(file.id, { kind: 'RecordDeletion', reason, now: context.now }, context);
  }
}
