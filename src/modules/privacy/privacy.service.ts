import { Inject, Injectable, Logger, Type } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { SequenceEventType } from '../../platform/event-store/sequences';
import { DomainError } from '../../platform/command/domain-error';
import { EVENT_STORE, EventStore, Position, RecordedEvent } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { IdempotencyStore } from '../../platform/http/idempotency/idempotency.store';
import { CommandContext } from '../../platform/http/request-context';
import { subjectRef } from '../../platform/privacy/personal-data';
import { KeyStore } from '../../platform/privacy/key-store';
import { PersonalDataLayer, isSealedEvent } from '../../platform/privacy/protected-event-store';
import { KEY_STORE } from '../../platform/privacy/privacy.tokens';
import { PROJECTION_CLASSES, Projection } from '../../platform/projections/projection';
import { Rebuilder } from '../../platform/projections/rebuilder';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { AttachmentRetention } from '../attachments';
import { PrivacyCommandHandler } from './privacy-command-handler';
import { privacyStream } from './privacy.events';

export interface ErasureReceipt {
  readonly company_id: string;
  readonly user_id: string;
  readonly subject_digest: string;
  /** When the subject was (first) erased, and who asked. */
  readonly erased_at: string;
  readonly requested_by: { readonly type: string; readonly id: string; readonly client_id?: string };
  /** The audit record: the `DataSubjectErased` event in the company's privacy stream. */
  readonly audit: { readonly stream: string; readonly revision: string };
  /** False when an earlier request had already erased the subject (this one finished its purge again). */
  readonly first_request: boolean;
  readonly keys_destroyed: number;
  /** Uploaded files of the subject whose bytes were deleted now (none on a repeated request). */
  readonly files_deleted: number;
  readonly read_models_rebuilt: readonly string[];
  readonly stored_answers_forgotten: number;
  /** The database file was rewritten (VACUUM) and its WAL truncated, so freed pages keep no old text. */
  readonly storage_compacted: boolean;
}

export interface SubjectExport {
  readonly company_id: string;
  readonly user_id: string;
  readonly generated_at: string;
  /** Every event that holds the subject's data or records their actions, decrypted, oldest first. */
  readonly events: readonly {
    readonly stream: string;
    readonly revision: string;
    readonly type: string;
    readonly recorded_at: string;
    /** `sealed`: written with its personal fields encrypted; `plaintext`: written before (docs/privacy.md). */
    readonly storage: 'sealed' | 'plaintext';
    readonly data: Record<string, unknown>;
    readonly actor: unknown;
    readonly source: unknown;
  }[];
}

/** `subject\n<company>/<user>` keyed with the audit key: names a subject in the log without naming it. */
export const subjectDigest = (key: Buffer, subject: string): string =>
  createHmac('sha256', key).update(`subject\n${subject}`).digest('hex');

/**
 * The right to erasure (art. 17) and of access (art. 15) for a company's data subjects (docs/privacy.md).
 * Erasure: record `DataSubjectErased`, destroy the subject's key (every sealed field of theirs now reads
 * `"[erased]"` through the event store's personal-data layer), rebuild every read model from the now-erased
 * log, forget stored idempotent answers, then compact the database so its free pages and WAL hold no old text.
 */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger('Privacy');

  constructor(
    private readonly handler: PrivacyCommandHandler,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(SQLITE_DB) private readonly db: SqliteDatabase,
    @Inject(PROJECTION_CLASSES) private readonly projections: readonly Type<Projection>[],
    private readonly idempotency: IdempotencyStore,
    private readonly chain: ChainKey,
    private readonly lock: KeyedLock,
    private readonly attachments: AttachmentRetention,
  ) {}

  async erase(companyId: string, userId: string, context: CommandContext): Promise<ErasureReceipt> {
    const subject = subjectRef(companyId, userId);
    const digest = subjectDigest(this.chain.key, subject);
    const actor = context.metadata.actor!;
    const requestedBy = { type: actor.type, id: actor.id, ...(actor.clientId ? { client_id: actor.clientId } : {}) };
    // The record first: a crash after it leaves an erasure that a repeated request completes (every step below
    // is idempotent); the other order could destroy a key with no record of who asked.
    const outcome = await this.handler.handle(
      companyId,
      { kind: 'EraseSubject', data: { company_id: companyId, subject_digest: digest, requested_by: requestedBy, erased_at: context.now } },
      context,
    );
    const record = outcome.state.erased.get(digest)!;
    const audit = await this.auditRecordOf(companyId, digest);
    // One purge at a time in this process (a rebuild is one generation per projection at a time anyway).
    return this.lock.run('privacy:purge', async () => {
      const keysDestroyed = this.keys.destroy(subject);
      // The files they uploaded: the bytes are outside the log, so they are deleted (AttachmentDeleted, `erasure`).
      const filesDeleted = await this.attachments.deleteBlobsOfSubject({ userId, companyId });
      const rebuilt = await this.rebuildReadModels();
      const forgotten = this.idempotency.forgetAnswers();
      const compacted = this.compact();
      this.logger.log(`erased a data subject of company ${companyId} (${digest.slice(0, 12)}…): ${keysDestroyed} key(s) destroyed`);
      return {
        company_id: companyId,
        user_id: userId,
        subject_digest: digest,
        erased_at: record.erased_at,
        requested_by: record.requested_by,
        audit,
        first_request: outcome.events.length > 0,
        keys_destroyed: keysDestroyed,
        files_deleted: filesDeleted.length,
        read_models_rebuilt: rebuilt,
        stored_answers_forgotten: forgotten,
        storage_compacted: compacted,
      };
    });
  }

  /** Everything the log holds about the subject in this company, decrypted (what was erased reads `"[erased]"`). */
  async export(companyId: string, userId: string): Promise<SubjectExport> {
    const keyId = this.keys.keyIdOf(subjectRef(companyId, userId));
    const events: SubjectExport['events'][number][] = [];
    let from: Position | undefined;
    for (;;) {
      const page = await this.store.readAll({ fromPosition: from, maxCount: 1000 });
      if (page.length === 0) break;
      from = page[page.length - 1].position;
      for (const event of page) {
        if (event.metadata.tenant?.companyId !== companyId || !concerns(event, userId, keyId)) continue;
        // A number reserved for their ticket (EventStoreDB): who asked and a number, nothing personal.
        if (event.type === SequenceEventType.NumberReserved) continue;
        events.push({
          stream: event.streamName,
          revision: event.revision.toString(),
          type: event.type,
          recorded_at: event.created.toISOString(),
          storage: isSealedEvent(event) ? 'sealed' : 'plaintext',
          data: event.data,
          actor: event.metadata.actor ?? null,
          source: event.metadata.source ?? null,
        });
      }
    }
    return { company_id: companyId, user_id: userId, generated_at: new Date().toISOString(), events };
  }

  private async auditRecordOf(companyId: string, digest: string): Promise<ErasureReceipt['audit']> {
    const events = await this.store.readStream(privacyStream(companyId));
    const event = events.find((e) => e.type === 'DataSubjectErased' && e.data.subject_digest === digest)!;
    return { stream: event.streamName, revision: event.revision.toString() };
  }

  /** Every read model rebuilt beside the live one from the log as it now reads, and switched in. */
  private async rebuildReadModels(): Promise<string[]> {
    const outcomes = await new Rebuilder(
      this.store,
      this.db,
      this.projections.map((P) => new P()),
    ).run();
    const failed = outcomes.filter((o) => o.result !== 'switched');
    if (failed.length) {
      throw new DomainError(
        'conflict',
        `the subject's key is destroyed, but ${failed.map((o) => `${o.name} (${o.result})`).join(', ')} could not be rebuilt now; send the same request again to finish the erasure`,
      );
    }
    return outcomes.map((o) => o.name);
  }

  /**
   * Deleted rows leave their bytes in free pages and in the WAL: VACUUM rewrites the file with live rows only,
   * and the TRUNCATE checkpoint empties the WAL. On an in-memory database there is no file to clean.
   */
  private compact(): boolean {
    if (this.db.memory) return false;
    try {
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return true;
    } catch (error) {
      this.logger.warn(`could not compact the database after an erasure (run it again): ${String(error)}`);
      return false;
    }
  }
}

/** Whether an event holds the subject's data (a field under their key) or records them as its actor or author. */
function concerns(event: RecordedEvent, userId: string, keyId: string | undefined): boolean {
  if (keyId && PersonalDataLayer.keyIdsOf(event).has(keyId)) return true;
  if (event.metadata.actor?.id === userId) return true;
  const createdBy = (event.data as { created_by?: { id?: unknown } }).created_by;
  return typeof createdBy === 'object' && createdBy !== null && createdBy.id === userId;
}
