import { DomainError } from '../../platform/command/domain-error';
import { StatusKey } from './ticket-catalogue';

/**
 * Where a ticket may go from each status. Work starts (in_progress) or is parked back (pending); a resolved
 * ticket waits for the customer and is either reopened or closed; a closed ticket is only ever reopened, to
 * in_progress, because someone is working on it again. Nothing returns to pending once resolved or closed:
 * "pending" means "nobody has looked at it yet", which is no longer true.
 */
export const STATUS_TRANSITIONS: Readonly<Record<StatusKey, readonly StatusKey[]>> = {
  pending: ['in_progress', 'resolved', 'closed'],
  in_progress: ['pending', 'resolved', 'closed'],
  resolved: ['in_progress', 'closed'],
  closed: ['in_progress'],
};

const WHY: Partial<Record<StatusKey, string>> = {
  resolved: 'a resolved ticket can be reopened (in_progress) or closed',
  closed: 'a closed ticket can only be reopened (in_progress)',
};

/** Throws a 409 problem naming the rule when `from -> to` is not allowed. Staying put is not a transition. */
export function assertTransition(from: StatusKey, to: StatusKey): void {
  if (from === to || STATUS_TRANSITIONS[from].includes(to)) return;
  const allowed = STATUS_TRANSITIONS[from];
  throw new DomainError(
    'forbidden_transition',
    `Cannot change status from ${from} to ${to}: ${WHY[from] ?? `allowed: ${allowed.join(', ')}`}`,
    {
      from,
      to,
      allowed,
    },
  );
}

/** Statuses that end the work on a ticket; entering one asks the customer for feedback. */
export const isFinished = (status: StatusKey) => status === 'resolved' || status === 'closed';
