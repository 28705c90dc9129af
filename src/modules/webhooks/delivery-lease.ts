import { DomainError } from '../../platform/command/domain-error';

/**
 * Who delivers a subscription's events, and from where (docs/webhooks.md "Several instances"): a lease and
 * cursor stream per subscription, `webhook-lease-<subscription id>`, in the event store itself, so that every
 * instance sees the same one whatever its SQLite file. Every event is the whole state (owner, expiry, cursor),
 * so a reader needs the stream's last event only, and every append is at the revision that was read: two
 * instances that claim at once cannot both win, and a write by an owner that lost the lease (a stale
 * cursor) conflicts and is refused.
 *
 * Expiry is by the owner's clock: it records `expires_at` = its clock + the lease, and sends nothing that
 * could still be in flight after it. Another instance takes over only once its own clock is past
 * `expires_at` plus a margin (the clock skew it tolerates), or at once when the owner released it or is a
 * process of this host that no longer runs.
 */
export const LEASE_STREAM_PREFIX = 'webhook-lease-';
export const leaseStream = (subscriptionId: string) => `${LEASE_STREAM_PREFIX}${subscriptionId}`;

export const WebhookLeaseEventType = {
  WebhookLeaseClaimed: 'WebhookLeaseClaimed',
  WebhookLeaseRenewed: 'WebhookLeaseRenewed',
  WebhookLeaseReleased: 'WebhookLeaseReleased',
} as const;

/**
 * A delivery not settled yet (neither answered 2xx nor failed for good), as the next owner needs it: the
 * event (stream and revision, read again from the store), the delivery id (so the deliveries route keeps
 * naming it the same), and its retry state: `[stream, revision, delivery id, attempts, first attempt (ms or
 * null), next attempt (ms)]`. Arrays rather than objects: a backlog's cursor stays small.
 */
export type PendingEntry = readonly [
  stream: string,
  revision: number,
  deliveryId: string,
  attempts: number,
  firstAt: number | null,
  nextAt: number,
];

export interface LeaseCursor {
  /** The global-log position (`formatPosition`) after which the log has not been read into deliveries. */
  readonly scanned: string;
  /** The deliveries at or before `scanned` not settled yet, in log order. Everything else up to `scanned` is settled. */
  readonly pending: readonly PendingEntry[];
}

export interface LeaseData {
  readonly subscription_id: string;
  /** The owner after this event; null once released. */
  readonly owner: string | null;
  /** Until when (the owner's clock, ms since the epoch) the owner may have a delivery in flight. */
  readonly expires_at: number;
  /** Null until the first owner records one (the worker then starts from the subscription's own start). */
  readonly cursor: LeaseCursor | null;
}

export type LeaseEvent = { readonly type: (typeof WebhookLeaseEventType)[keyof typeof WebhookLeaseEventType]; readonly data: LeaseData };

export interface LeaseState {
  readonly owner: string | null;
  readonly expiresAt: number;
  readonly cursor: LeaseCursor | null;
}

export const initialLeaseState: LeaseState = { owner: null, expiresAt: 0, cursor: null };

export type LeaseCommand =
  | {
      readonly kind: 'Claim';
      readonly subscriptionId: string;
      readonly owner: string;
      readonly now: number;
      readonly leaseMs: number;
      readonly marginMs: number;
      /** The holder is known not to run any more (a process of this host that is gone). */
      readonly holderGone?: boolean;
    }
  | {
      readonly kind: 'Renew';
      readonly subscriptionId: string;
      readonly owner: string;
      readonly now: number;
      readonly leaseMs: number;
      /** The cursor to record with the renewal; the recorded one is kept when absent. */
      readonly cursor?: LeaseCursor;
    }
  | {
      readonly kind: 'Release';
      readonly subscriptionId: string;
      readonly owner: string;
      readonly now: number;
      readonly cursor?: LeaseCursor;
    };

/** Whether a claimant whose clock says `now` may take the lease from its holder. */
export function leaseIsFree(state: LeaseState, now: number, marginMs: number): boolean {
  return state.owner === null || now > state.expiresAt + marginMs;
}

export function evolveLease(state: LeaseState, event: LeaseEvent): LeaseState {
  if (!(Object.values(WebhookLeaseEventType) as string[]).includes(event.type)) return state;
  return { owner: event.data.owner, expiresAt: event.data.expires_at, cursor: event.data.cursor };
}

export function decideLease(command: LeaseCommand, state: LeaseState): LeaseEvent[] {
  const base = { subscription_id: command.subscriptionId };
  switch (command.kind) {
    case 'Claim': {
      if (state.owner === command.owner) {
        return [
          {
            type: 'WebhookLeaseRenewed',
            data: { ...base, owner: command.owner, expires_at: command.now + command.leaseMs, cursor: state.cursor },
          },
        ];
      }
      if (!leaseIsFree(state, command.now, command.marginMs) && !command.holderGone) {
        throw new DomainError(
          'conflict',
          `the delivery lease of webhook ${command.subscriptionId} is held by ${state.owner} until ${new Date(state.expiresAt).toISOString()}`,
        );
      }
      return [
        {
          type: 'WebhookLeaseClaimed',
          data: { ...base, owner: command.owner, expires_at: command.now + command.leaseMs, cursor: state.cursor },
        },
      ];
    }
    case 'Renew':
      assertOwner(command, state);
      return [
        {
          type: 'WebhookLeaseRenewed',
          data: { ...base, owner: command.owner, expires_at: command.now + command.leaseMs, cursor: command.cursor ?? state.cursor },
        },
      ];
    case 'Release':
      assertOwner(command, state);
      return [
        { type: 'WebhookLeaseReleased', data: { ...base, owner: null, expires_at: command.now, cursor: command.cursor ?? state.cursor } },
      ];
  }
}

/**
 * Only the owner renews, records a cursor or releases. An owner whose lease was taken over (it was hung or cut
 * off past its expiry) is refused: the new owner resumed from the last recorded cursor, and a cursor from the
 * old one would skip or repeat what the new one does.
 */
function assertOwner(command: { owner: string; subscriptionId: string }, state: LeaseState): void {
  if (state.owner !== command.owner) {
    throw new DomainError(
      'conflict',
      `the delivery lease of webhook ${command.subscriptionId} is ${state.owner === null ? 'released' : `held by ${state.owner}`}, not by ${command.owner}`,
    );
  }
}

export const leaseDecider = { initialState: initialLeaseState, evolve: evolveLease, decide: decideLease };
