import { Caller } from '../../platform/auth/caller';
import { TicketQueries, accessKeyMatches, storefrontScopeOf } from '../tickets';
import { StoredAttachment } from './attachment.queries';

/** How a caller is recorded as an uploader (and recognised again as that uploader). */
export function staffUploaderId(caller: Extract<Caller, { kind: 'staff' }>): string {
  return caller.userId ? `user:${caller.userId}` : `client:${caller.clientId}`;
}

/** Did this caller upload the file? Staff by the same user (else client) of the same company; storefront by user or access key. */
export function isUploader(file: StoredAttachment, caller: Caller): boolean {
  if (file.company_id !== caller.companyId) return false;
  if (caller.kind === 'staff') return file.uploader_kind === 'staff' && file.uploader_id === staffUploaderId(caller);
  if (file.application_id !== caller.applicationId) return false;
  if (file.uploader_kind === 'storefront_user') return caller.userId !== undefined && caller.userId === file.uploader_id;
  if (file.uploader_kind === 'anonymous') return accessKeyMatches(caller.ticketAccessKey, file.access_key_sha256);
  return false;
}

/**
 * May this caller download the file? Exactly when it may read a ticket that references it (staff of the
 * ticket's company; a storefront caller who can prove it opened the ticket, and never through an internal
 * note), or when it uploaded the file itself. Anything else is a 404 for the caller, so that whether a file
 * exists is not revealed either.
 */
export function mayDownload(
  file: StoredAttachment,
  links: readonly { ticket_id: string; internal: boolean }[],
  caller: Caller,
  tickets: Pick<TicketQueries, 'findTicket'>,
): boolean {
  if (file.deleted_at) return false;
  if (isUploader(file, caller)) return true;
  const scope = caller.kind === 'staff' ? { companyId: caller.companyId, applicationId: caller.applicationId } : storefrontScopeOf(caller);
  return links.some((link) => !(link.internal && caller.kind === 'storefront') && tickets.findTicket(link.ticket_id, scope) !== undefined);
}
