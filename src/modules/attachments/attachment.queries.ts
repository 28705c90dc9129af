import { Inject, Injectable } from '@nestjs/common';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';

export interface StoredAttachment {
  readonly id: string;
  readonly company_id: string;
  readonly application_id: string | null;
  readonly filename: string;
  readonly content_type: string;
  readonly size: number;
  readonly sha256: string;
  readonly uploader_kind: 'storefront_user' | 'anonymous' | 'staff';
  readonly uploader_id: string | null;
  readonly access_key_sha256: string | null;
  readonly uploaded_at: string;
  readonly deleted_at: string | null;
}

/** Reads of the attachments read model (tables owned by AttachmentProjection). */
@Injectable()
export class AttachmentQueries {
  constructor(@Inject(SQLITE_DB) private readonly db: SqliteDatabase) {}

  find(id: string): StoredAttachment | undefined {
    return this.db.prepare<[string], StoredAttachment>('SELECT * FROM rm_attachments WHERE id = ?').get(id);
  }

  /** The tickets that reference the file; `internal` links come from entries storefront callers never see. */
  links(id: string): { ticket_id: string; internal: boolean }[] {
    return this.db
      .prepare<[string], { ticket_id: string; internal: number }>(
        'SELECT ticket_id, internal FROM rm_attachment_links WHERE attachment_id = ?',
      )
      .all(id)
      .map((r) => ({ ticket_id: r.ticket_id, internal: r.internal === 1 }));
  }

  /** Files still stored that no ticket references, uploaded before `cutoff` (ISO time), oldest first. */
  unlinkedBefore(cutoff: string, limit: number): StoredAttachment[] {
    return this.db
      .prepare<[string, number], StoredAttachment>(
        `SELECT a.* FROM rm_attachments a WHERE a.deleted_at IS NULL AND a.uploaded_at < ?
           AND NOT EXISTS (SELECT 1 FROM rm_attachment_links l WHERE l.attachment_id = a.id)
         ORDER BY a.uploaded_at LIMIT ?`,
      )
      .all(cutoff, limit);
  }

  /** Files still stored that a storefront user uploaded (in one company, or in every company). */
  ofStorefrontUser(userId: string, companyId?: string): StoredAttachment[] {
    return this.db
      .prepare<[string, string | null, string | null], StoredAttachment>(
        `SELECT * FROM rm_attachments WHERE uploader_kind = 'storefront_user' AND uploader_id = ? AND deleted_at IS NULL
           AND (? IS NULL OR company_id = ?) ORDER BY uploaded_at`,
      )
      .all(userId, companyId ?? null, companyId ?? null);
  }
}
