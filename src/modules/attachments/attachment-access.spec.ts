import { StaffCaller, StorefrontCaller } from '../../platform/auth/caller';
import { createHash } from 'node:crypto';
import { mayDownload } from './attachment-access';
import { StoredAttachment } from './attachment.queries';

const file = (over: Partial<StoredAttachment> = {}): StoredAttachment => ({
  id: 'f',
  company_id: '1',
  application_id: 'app-a',
  filename: 'a.png',
  content_type: 'image/png',
  size: 1,
  sha256: 'x',
  uploader_kind: 'storefront_user',
  uploader_id: 'u1',
  access_key_sha256: null,
  uploaded_at: '2026-01-01T00:00:00.000Z',
  deleted_at: null,
  ...over,
});
const shopper = (userId?: string, over: Partial<StorefrontCaller> = {}): StorefrontCaller => ({
  kind: 'storefront',
  companyId: '1',
  applicationId: 'app-a',
  ...(userId ? { userId } : {}),
  ...over,
});
const staff = (companyId: string, userId?: string): StaffCaller => ({
  kind: 'staff',
  companyId,
  clientId: 'c',
  ...(userId ? { userId } : {}),
});
// Ticket t1 of company 1 opened by u1; a storefront scope sees it only as u1.
const tickets = {
  findTicket: (id: string, scope: { companyId: string; opener?: { userId?: string } }) =>
    id === 't1' && scope.companyId === '1' && (!scope.opener || scope.opener.userId === 'u1') ? ({} as never) : undefined,
};

describe('who may download an attachment', () => {
  it('an unlinked upload: only its uploader', () => {
    expect(mayDownload(file(), [], shopper('u1'), tickets)).toBe(true);
    expect(mayDownload(file(), [], shopper('u2'), tickets)).toBe(false);
    expect(mayDownload(file(), [], shopper('u1', { applicationId: 'app-b' }), tickets)).toBe(false);
    expect(mayDownload(file(), [], staff('1'), tickets)).toBe(false);
  });

  it('an anonymous upload: whoever holds its access key', () => {
    const key = 'k'.repeat(43);
    const anonymous = file({
      uploader_kind: 'anonymous',
      uploader_id: null,
      access_key_sha256: createHash('sha256').update(key).digest('hex'),
    });
    expect(mayDownload(anonymous, [], shopper(undefined, { ticketAccessKey: key }), tickets)).toBe(true);
    expect(mayDownload(anonymous, [], shopper(undefined, { ticketAccessKey: 'other' }), tickets)).toBe(false);
    expect(mayDownload(anonymous, [], shopper(undefined), tickets)).toBe(false);
  });

  it('a linked upload: whoever may read the ticket, never storefront through an internal link', () => {
    const staffFile = file({ uploader_kind: 'staff', uploader_id: 'user:agent-9', application_id: null });
    expect(mayDownload(staffFile, [{ ticket_id: 't1', internal: false }], shopper('u1'), tickets)).toBe(true);
    expect(mayDownload(staffFile, [{ ticket_id: 't1', internal: false }], shopper('u2'), tickets)).toBe(false);
    expect(mayDownload(staffFile, [{ ticket_id: 't1', internal: true }], shopper('u1'), tickets)).toBe(false);
    expect(mayDownload(staffFile, [{ ticket_id: 't1', internal: true }], staff('1', 'agent-1'), tickets)).toBe(true);
    expect(mayDownload(staffFile, [{ ticket_id: 't1', internal: false }], staff('2'), tickets)).toBe(false);
  });

  it('a deleted file: nobody', () => {
    expect(mayDownload(file({ deleted_at: '2026-01-02T00:00:00.000Z' }), [], shopper('u1'), tickets)).toBe(false);
  });
});
