import { Actor } from '../event-store/event-store.port';

/** The authenticated caller of a request, set by the guards and read by controllers. */
export interface StorefrontCaller {
  readonly kind: 'storefront';
  readonly companyId: string;
  readonly applicationId: string;
  /** The signed-in storefront user, forwarded by the storefront gateway in `x-user-id`; absent = anonymous. */
  readonly userId?: string;
}

export type Caller = StorefrontCaller;

export function actorOf(caller: Caller): Actor {
  return caller.userId ? { type: 'storefront_user', id: caller.userId } : { type: 'application', id: caller.applicationId };
}
