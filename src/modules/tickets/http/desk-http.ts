import { createHash } from 'node:crypto';
import { StaffCaller } from '../../../platform/auth/caller';
import { CommandContext } from '../../../platform/http/request-context';
import { StaffScope } from '../read-model/desk.queries';

export const staffScope = (caller: StaffCaller): StaffScope => ({ companyId: caller.companyId, applicationId: caller.applicationId });

/**
 * `created_by` of what staff write (history, edits, feedback): the staff member named by x-user-id, marked as
 * staff so a conversation view can tell agents from customers. The API client's key is never copied into
 * documents; the event metadata records it as the actor.
 */
export const staffAuthor = (caller: StaffCaller): Record<string, unknown> =>
  caller.userId ? { id: caller.userId, user_type: 'staff' } : { user_type: 'staff' };

/**
 * If-Match -> the stream revisions it allows. `undefined` = no precondition (absent, or `*`: the ticket
 * exists, which the route checks anyway). Our ETags are strong (`"<revision>"`); a weak or malformed tag can
 * never match (RFC 9110 13.1.1), so it is dropped, and a header left with nothing fails with 412.
 */
export function parseIfMatch(header: string | string[] | undefined): bigint[] | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined || value.trim() === '' || value.trim() === '*') return undefined;
  return value
    .split(',')
    .map((tag) => /^"(\d{1,15})"$/.exec(tag.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => BigInt(m[1]));
}

/**
 * The context of one ticket's command within a bulk request: its own command id (and so its own event ids,
 * causation id and new ids), derived from the request's, so that a keyed retry of the bulk request derives
 * the same ids per ticket and writes nothing twice (see `newIdFor`).
 */
export function perTicketContext(context: CommandContext, ticketId: string): CommandContext {
  const commandId = createHash('sha256').update(`${context.commandId}\nticket:${ticketId}`).digest('hex').slice(0, 32);
  return { ...context, commandId, metadata: { ...context.metadata, causationId: commandId } };
}

/**
 * Which parts of a TicketList to return (reference 6.6: without `items`, only `filters`). A flag given
 * decides its own part; a flag left out means "yes" unless the other flag asked for its part alone.
 * Neither given: both.
 */
export function listParts(items: boolean | undefined, filters: boolean | undefined): { items: boolean; filters: boolean } {
  return { items: items ?? filters !== true, filters: filters ?? items !== true };
}
