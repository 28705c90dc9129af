import { deciderSpecification } from '../../../test/support/decider-specification';
import { attachmentDecider } from './attachment.decider';
import { AttachmentUploaded } from './attachment.events';

const spec = deciderSpecification(attachmentDecider);
const NOW = '2026-01-01T00:00:00.000Z';
const file: AttachmentUploaded['data'] = {
  id: '0b0a4d7e-9f57-4c4e-8a3b-1d2f3e4a5b6c',
  company_id: '1',
  application_id: 'app',
  filename: 'a.png',
  content_type: 'image/png',
  size: 3,
  sha256: 'ab',
  uploader: { kind: 'storefront_user', user_id: 'u1' },
  uploaded_at: NOW,
};
const uploaded: AttachmentUploaded = { type: 'AttachmentUploaded', data: file };

describe('attachment decider', () => {
  it('records an upload once', () => {
    spec.given([]).when({ kind: 'RecordUpload', file }).then([uploaded]);
    spec.given([uploaded]).when({ kind: 'RecordUpload', file }).thenRefuses('conflict');
  });

  it('records a deletion once; a second deletion decides nothing', () => {
    const deleted = spec
      .given([uploaded])
      .when({ kind: 'RecordDeletion', reason: 'retention', now: NOW })
      .then([{ type: 'AttachmentDeleted', data: { id: file.id, reason: 'retention', deleted_at: NOW } }]);
    spec
      .given([uploaded, ...deleted])
      .when({ kind: 'RecordDeletion', reason: 'erasure', now: NOW })
      .thenNothingHappens();
  });

  it('refuses to delete what was never uploaded', () => {
    spec.given([]).when({ kind: 'RecordDeletion', reason: 'erasure', now: NOW }).thenRefuses('not_found');
  });
});
