import { Actor } from '../event-store/event-store.port';

/** The authenticated caller of a request, set by the guards and read by controllers. */
export interface StorefrontCaller {
  readonly kind: 'storefront';
  readonly companyId: string;
  readonly applicationId: string;
  /** The signed-in storefront user, as proven by StorefrontIdentity (LEAD_STOREFRONT_IDENTITY); absent = anonymous. */
  readonly userId?: string;
  /** `x-ticket-access-key`: proves the caller opened the ticket it names (given out when it was opened). */
  readonly ticketAccessKey?: string;
}

/** A staff API client of one company, holding a token from the OAuth endpoint. */
export interface StaffCaller {
  readonly kind: 'staff';
  readonly companyId: string;
  /** Set on application-level routes (/company/{c}/application/{a}/...), checked to belong to the company. */
  readonly applicationId?: string;
  readonly clientId: string;
  /** The staff member acting through the client, forwarded by the panel in `x-user-id`. */
  readonly userId?: string;
}

export type Caller = StorefrontCaller | StaffCaller;

export function actorOf(caller: Caller): Actor {
  if (caller.kind === 'staff') {
    // The user id is only as trustworthy as the client that forwarded it, so the client is recorded too.
    return caller.userId
      ? { type: 'staff_user', id: caller.userId, clientId: caller.clientId }
      : { type: 'staff_client', id: caller.clientId };
  }
  return caller.userId ? { type: 'storefront_user', id: caller.userId } : { type: 'application', id: caller.applicationId };
}

const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** The `x-user-id` header: absent, or a sane id. */
export function userIdHeader(value: string | string[] | undefined): string | undefined | false {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && USER_ID.test(value) ? value : false;
}

/** `x-ticket-access-key`: one short printable value, else none (a wrong key just matches no ticket). */
export function ticketAccessKeyHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
}
