// The attachments module's public face. Everything else in this folder is internal.
// - AttachmentRetention.deleteBlobsOfSubject({ userId, companyId? }): the erasure work deletes a data
//   subject's uploaded files through it (blobs gone, an AttachmentDeleted event with reason `erasure` each).
export * from './attachment.events';
export { AttachmentRetention } from './attachment-retention';
