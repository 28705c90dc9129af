import { TARGET_KINDS, TargetKind } from './sla.events';
import { TicketSlaState, dueAt, elapsedMinutes } from './ticket-sla.decider';

export type SlaStateName = 'active' | 'paused' | 'fulfilled' | 'breached';
export const SLA_STATES: readonly SlaStateName[] = ['active', 'paused', 'fulfilled', 'breached'];

export interface SlaTargetView {
  readonly target_minutes: number;
  readonly time: 'business' | 'calendar';
  readonly state: SlaStateName;
  readonly started_at: string;
  /** While running: when it falls due. `null` while paused (it gets one again on resume) or once fulfilled. */
  readonly due_at: string | null;
  /** Minutes left at the time of the answer, in the target's time (business or calendar); negative when overdue. */
  readonly remaining_minutes: number;
  readonly fulfilled_at?: string;
  readonly breached_at?: string;
}

/** The `sla` block of staff ticket answers. */
export interface SlaView {
  readonly policy: { readonly _id: string; readonly name: string; readonly version: number };
  readonly state: SlaStateName;
  readonly next_due_at: string | null;
  readonly targets: Partial<Record<TargetKind, SlaTargetView>>;
}

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function targetState(state: TicketSlaState, kind: TargetKind): SlaStateName {
  const clock = state.targets[kind]!;
  if (clock.breached_at !== undefined) return 'breached';
  if (clock.fulfilled_at !== undefined) return 'fulfilled';
  return state.paused_since !== undefined ? 'paused' : 'active';
}

/**
 * The block's parts that depend on the events only (no wall clock): what the read model stores and the list
 * filters and sorts on. A breached target that was fulfilled late no longer makes the ticket `breached`.
 */
export function slaSummary(state: TicketSlaState): { state: SlaStateName; next_due_at: string | null } | undefined {
  if (!state.policy) return undefined;
  const kinds = TARGET_KINDS.filter((k) => state.targets[k]);
  const states = kinds.map((k) => ({ k, s: targetState(state, k), open: state.targets[k]!.fulfilled_at === undefined }));
  const overall: SlaStateName = states.some((x) => x.s === 'breached' && x.open)
    ? 'breached'
    : states.some((x) => x.s === 'active')
      ? 'active'
      : states.some((x) => x.s === 'paused')
        ? 'paused'
        : 'fulfilled';
  const dues = kinds
    .filter((k) => state.targets[k]!.breached_at === undefined)
    .map((k) => dueAt(state, k))
    .filter((d): d is number => d !== undefined);
  return { state: overall, next_due_at: dues.length ? iso(Math.min(...dues))! : null };
}

/** The whole block, with the minutes left as of `now`. */
export function slaView(state: TicketSlaState, now: number): SlaView | undefined {
  const summary = slaSummary(state);
  if (!summary || !state.policy) return undefined;
  const targets: Partial<Record<TargetKind, SlaTargetView>> = {};
  for (const kind of TARGET_KINDS) {
    const clock = state.targets[kind];
    const target = state.policy.targets[kind];
    if (!clock || !target) continue;
    const due = dueAt(state, kind);
    targets[kind] = {
      target_minutes: target.minutes,
      time: target.time,
      state: targetState(state, kind),
      started_at: iso(clock.started_at)!,
      due_at: iso(due) ?? null,
      remaining_minutes: Math.floor(target.minutes - elapsedMinutes(state, kind, now)),
      ...(clock.fulfilled_at !== undefined ? { fulfilled_at: iso(clock.fulfilled_at) } : {}),
      ...(clock.breached_at !== undefined ? { breached_at: iso(clock.breached_at) } : {}),
    };
  }
  return { policy: { _id: state.policy.id, name: state.policy.name, version: state.policy.version }, ...summary, targets };
}
