import { declarePersonalData } from '../../platform/privacy/personal-data';
import { AttachmentEvent } from './attachment.events';

/**
 * An upload's file name is its uploader's (it may name them); the rest is ids, digests and types. The bytes
 * are never in the log: an erased subject's blobs are deleted (AttachmentRetention.deleteBlobsOfSubject).
 */
export const attachmentPersonalData = declarePersonalData<AttachmentEvent>({
  name: 'attachments',
  events: {
    AttachmentUploaded: {
      id: 'none',
      company_id: 'none',
      application_id: 'none',
      filename: 'author',
      content_type: 'none',
      sha256: 'none',
      uploader: { kind: 'none', user_id: 'none', access_key_sha256: 'none', id: 'none' },
      uploaded_at: 'none',
    },
    AttachmentDeleted: { id: 'none', reason: 'none', deleted_at: 'none' },
  },
  subjects: () => ({}),
});
