/**
 * Attachment events, one stream per uploaded file (`attachment-<id>`). They record what was stored and by
 * whom, never the bytes: those live in the blob store under the attachment's id. The `type` strings are
 * stored forever: never rename one, add a new type instead.
 *
 * The link between a file and the tickets that reference it is not an event of this stream: it is already a
 * fact of the ticket's own events (the download URL in its content or a history entry), and the attachments
 * projection reads it from there (docs/architecture.md, "Decision: attachment links are read from the ticket
 * events").
 */
export const AttachmentEventType = {
  AttachmentUploaded: 'AttachmentUploaded',
  AttachmentDeleted: 'AttachmentDeleted',
} as const;

/** Who uploaded: a storefront user, an anonymous storefront caller (proven by an access key), or staff. */
export type AttachmentUploader =
  | { readonly kind: 'storefront_user'; readonly user_id: string }
  | { readonly kind: 'anonymous'; readonly access_key_sha256: string }
  | { readonly kind: 'staff'; readonly id: string };

export interface AttachmentUploaded {
  readonly type: typeof AttachmentEventType.AttachmentUploaded;
  readonly data: {
    readonly id: string;
    readonly company_id: string;
    readonly application_id?: string;
    /** The file name the client sent, cleaned (shown as the asset's `display` and in Content-Disposition). */
    readonly filename: string;
    /** Sniffed from the bytes; the header the client sent is not trusted. */
    readonly content_type: string;
    readonly size: number;
    /** Hex SHA-256 of the bytes. */
    readonly sha256: string;
    readonly uploader: AttachmentUploader;
    readonly uploaded_at: string;
  };
}

export interface AttachmentDeleted {
  readonly type: typeof AttachmentEventType.AttachmentDeleted;
  readonly data: {
    readonly id: string;
    /** `retention`: no ticket referenced it in time; `erasure`: its uploader's data was erased. */
    readonly reason: 'retention' | 'erasure';
    readonly deleted_at: string;
  };
}

export type AttachmentEvent = AttachmentUploaded | AttachmentDeleted;

export const attachmentStream = (id: string) => `attachment-${id}`;
