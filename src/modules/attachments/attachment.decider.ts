import { assertNever } from '../../platform/command/assert-never';
import { DomainError } from '../../platform/command/domain-error';
import { AttachmentDeleted, AttachmentEvent, AttachmentEventType, AttachmentUploaded } from './attachment.events';

/** One uploaded file: recorded once, deleted at most once. */
export type AttachmentState =
  { readonly status: 'none' } | { readonly status: 'stored' | 'deleted'; readonly file: AttachmentUploaded['data'] };

export type AttachmentCommand =
  | { readonly kind: 'RecordUpload'; readonly file: AttachmentUploaded['data'] }
  | { readonly kind: 'RecordDeletion'; readonly reason: AttachmentDeleted['data']['reason']; readonly now: string };

export function decideAttachment(command: AttachmentCommand, state: AttachmentState): AttachmentEvent[] {
  switch (command.kind) {
    case 'RecordUpload':
      // Ids are new UUIDs per file: a second upload under one id is a bug, never a retry (a retry of the same
      // command writes nothing: its event ids are derived from the command id).
      if (state.status !== 'none') throw new DomainError('conflict', `Attachment ${command.file.id} already exists`);
      return [{ type: AttachmentEventType.AttachmentUploaded, data: command.file }];
    case 'RecordDeletion':
      if (state.status === 'none') throw new DomainError('not_found', 'No such attachment');
      // Deleting twice (retention and erasure racing, a retried sweep) records nothing the second time.
      if (state.status === 'deleted') return [];
      return [
        { type: AttachmentEventType.AttachmentDeleted, data: { id: state.file.id, reason: command.reason, deleted_at: command.now } },
      ];
    default:
      return assertNever(command);
  }
}

export function evolveAttachment(state: AttachmentState, event: AttachmentEvent): AttachmentState {
  switch (event.type) {
    case AttachmentEventType.AttachmentUploaded:
      return { status: 'stored', file: event.data };
    case AttachmentEventType.AttachmentDeleted:
      return state.status === 'none' ? state : { ...state, status: 'deleted' };
    default:
      return assertNever(event);
  }
}

export const attachmentDecider = {
  initialState: { status: 'none' } as AttachmentState,
  evolve: evolveAttachment,
  decide: decideAttachment,
};
