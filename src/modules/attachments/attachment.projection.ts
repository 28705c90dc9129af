import { Injectable } from '@nestjs/common';
import { Actor, RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { TicketEventType } from '../tickets';
import { AttachmentDeleted, AttachmentEventType, AttachmentUploaded } from './attachment.events';

/**
 * The paths of this service's download URLs; the id is what links (the host is whatever the client saw, and
 * ids are random UUIDs that only this service hands out).
 */
const DOWNLOAD_URL =
  /\/service\/(?:application\/lead\/v1\.0|platform\/lead\/v1\.0\/company\/[^/"\\]+)\/attachments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g;

/** The attachment ids a ticket event's data references through download URLs, each once. */
export function referencedAttachmentIds(data: unknown): string[] {
  return [...new Set([...JSON.stringify(data).matchAll(DOWNLOAD_URL)].map((m) => m[1]))];
}

interface AttachmentRow {
  company_id: string;
  application_id: string | null;
  uploader_kind: AttachmentUploaded['data']['uploader']['kind'];
  uploader_id: string | null;
  deleted_at: string | null;
}

/**
 * Uploaded files and the tickets that reference them. Uploads and deletions come from the attachment
 * streams; links come from the ticket events themselves (a created ticket, a history entry, a content edit
 * whose data holds a download URL), so a link is exactly as durable as the ticket write that made it and
 * there is no second write that could be lost between them. A link counts only when its writer could have
 * the file: staff of the file's company, or on the storefront the uploader itself (the same user; for an
 * anonymous upload, an anonymous caller of the same application). A user who learns another user's file URL
 * cannot gain access to it by pasting the URL into their own ticket. Links from internal history entries are
 * marked so: storefront callers never reach a file through them.
 */
@Injectable()
export class AttachmentProjection implements Projection {
  readonly name = 'attachments';
  readonly version = 1;
  readonly lifecycle = 'async' as const;
  /** Downloads wait for it (AttachmentDownloads); writes do not, since no write answers from it. */
  readonly awaitedBy = 'read' as const;
  readonly handles = [
    AttachmentEventType.AttachmentUploaded,
    AttachmentEventType.AttachmentDeleted,
    TicketEventType.TicketCreated,
    TicketEventType.HistoryAppended,
    TicketEventType.TicketContentChanged,
  ];
  readonly tables = ['rm_attachments', 'rm_attachment_links'];
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_attachments (
        id TEXT PRIMARY KEY, company_id TEXT NOT NULL, application_id TEXT, filename TEXT NOT NULL,
        content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, uploader_kind TEXT NOT NULL,
        uploader_id TEXT, access_key_sha256 TEXT, uploaded_at TEXT NOT NULL, deleted_at TEXT, delete_reason TEXT);
      CREATE INDEX IF NOT EXISTS rm_attachments_uploader ON rm_attachments (uploader_kind, uploader_id);
      CREATE INDEX IF NOT EXISTS rm_attachments_uploaded ON rm_attachments (uploaded_at);
      CREATE TABLE IF NOT EXISTS rm_attachment_links (
        attachment_id TEXT NOT NULL, ticket_id TEXT NOT NULL, internal INTEGER NOT NULL, linked_at TEXT NOT NULL,
        PRIMARY KEY (attachment_id, ticket_id, internal));
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case AttachmentEventType.AttachmentUploaded:
        return this.uploaded((event as unknown as AttachmentUploaded).data);
      case AttachmentEventType.AttachmentDeleted: {
        const d = (event as unknown as AttachmentDeleted).data;
        this.stmts.deleted.run({ id: d.id, at: d.deleted_at, reason: d.reason });
        return;
      }
      case TicketEventType.TicketCreated:
      case TicketEventType.HistoryAppended:
      case TicketEventType.TicketContentChanged:
        return this.linked(event);
    }
  }

  private uploaded(d: AttachmentUploaded['data']): void {
    const u = d.uploader;
    // INSERT OR IGNORE: a redelivered upload changes nothing.
    this.stmts.insert.run({
      id: d.id,
      company: d.company_id,
      application: d.application_id ?? null,
      filename: d.filename,
      contentType: d.content_type,
      size: d.size,
      sha256: d.sha256,
      kind: u.kind,
      uploader: u.kind === 'storefront_user' ? u.user_id : u.kind === 'staff' ? u.id : null,
      accessKey: u.kind === 'anonymous' ? u.access_key_sha256 : null,
      at: d.uploaded_at,
    });
  }

  private linked(event: RecordedEvent): void {
    const data = event.data as { id?: string; ticket?: string; company_id?: string; type?: string; value?: { internal?: unknown } };
    const ticket = event.type === TicketEventType.TicketCreated ? data.id : data.ticket;
    const companyId = data.company_id ?? event.metadata.tenant?.companyId;
    if (!ticket || !companyId) return;
    const internal = event.type === TicketEventType.HistoryAppended && (data.type === 'note' || data.value?.internal === true);
    // Where a TicketAsset can be: a ticket's content attachments, a history entry's value (`media` of a
    // comment). Only those parts are searched: a description or custom JSON can be large and holds no asset.
    const content = (event.data as { content?: { attachments?: unknown } }).content;
    const scanned = event.type === TicketEventType.HistoryAppended ? data.value : content?.attachments;
    if (scanned === undefined) return;
    for (const id of referencedAttachmentIds(scanned)) {
      const row = this.stmts.find.get(id);
      if (!row || row.deleted_at || row.company_id !== companyId) continue;
      if (!mayLink(row, event.metadata.actor, event.metadata.tenant?.applicationId)) continue;
      // INSERT OR IGNORE: the same link twice (a redelivery, a second reference) is one row.
      this.stmts.link.run({ id, ticket, internal: internal ? 1 : 0, at: event.created.toISOString() });
    }
  }
}

function mayLink(row: AttachmentRow, actor: Actor | undefined, applicationId: string | undefined): boolean {
  if (!actor) return false;
  if (actor.type === 'staff_user' || actor.type === 'staff_client' || actor.type === 'system') return true;
  if (row.application_id !== null && applicationId !== row.application_id) return false;
  if (row.uploader_kind === 'storefront_user') return actor.type === 'storefront_user' && actor.id === row.uploader_id;
  if (row.uploader_kind === 'anonymous') return actor.type === 'application';
  return false; // a staff upload is linked by staff only
}

function prepare(db: SqliteDatabase) {
  return {
    insert: db.prepare(`INSERT OR IGNORE INTO rm_attachments
      (id, company_id, application_id, filename, content_type, size, sha256, uploader_kind, uploader_id, access_key_sha256, uploaded_at)
      VALUES (@id, @company, @application, @filename, @contentType, @size, @sha256, @kind, @uploader, @accessKey, @at)`),
    deleted: db.prepare('UPDATE rm_attachments SET deleted_at = @at, delete_reason = @reason WHERE id = @id AND deleted_at IS NULL'),
    find: db.prepare<[string], AttachmentRow>(
      'SELECT company_id, application_id, uploader_kind, uploader_id, deleted_at FROM rm_attachments WHERE id = ?',
    ),
    link: db.prepare(`INSERT OR IGNORE INTO rm_attachment_links (attachment_id, ticket_id, internal, linked_at)
      VALUES (@id, @ticket, @internal, @at)`),
    reset: () => db.exec('DELETE FROM rm_attachments; DELETE FROM rm_attachment_links;'),
  };
}
