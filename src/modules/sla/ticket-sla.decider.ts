import { Decider } from '../../platform/command/command-handler';
import { assertNever } from '../../platform/command/assert-never';
import { BusinessHours, TimeBasis, addMinutes, minutesBetween } from './business-time';
import { SlaApplied, SlaEventType, SlaPolicy, SlaTicketEvent, TARGET_KINDS, TargetKind } from './sla.events';
import { DEFAULT_BUSINESS_HOURS, matchPolicy } from './sla-config.decider';

/** What the SLA needs to know of a ticket, as of the ticket event being followed. */
export interface TicketFacts {
  readonly id: string;
  readonly company_id: string;
  readonly priority: string;
  readonly category: string;
  readonly application_id?: string;
  readonly status: string;
}

/** A ticket event as the SLA sees it. */
export type TicketChange =
  | { readonly kind: 'created' }
  | { readonly kind: 'priority_changed' }
  | { readonly kind: 'category_changed' }
  | { readonly kind: 'status_changed'; readonly status: string }
  | { readonly kind: 'public_reply'; readonly by: 'staff' | 'customer' };

export type TicketSlaCommand =
  /** Derive the SLA events of one ticket event; `at` is the ticket event's own time, never the wall clock. */
  | {
      readonly kind: 'follow';
      readonly ticket: TicketFacts;
      readonly change: TicketChange;
      readonly at: string;
      readonly config: { readonly policies: readonly SlaPolicy[]; readonly hours?: BusinessHours };
    }
  /** Record every due time that has passed by `now` (the scheduler). */
  | { readonly kind: 'breach'; readonly now: string };

export interface TargetClock {
  readonly started_at: number;
  readonly fulfilled_at?: number;
  readonly breached_at?: number;
}

export interface TicketSlaState {
  readonly ticket?: string;
  readonly company_id?: string;
  readonly policy: SlaPolicy | null;
  readonly hours: BusinessHours;
  readonly status?: string;
  /** Set while the clocks are stopped. */
  readonly paused_since?: number;
  /** Closed pause periods `[from, to)`, oldest first: time in them does not count. */
  readonly pauses: readonly (readonly [number, number])[];
  readonly targets: Partial<Record<TargetKind, TargetClock>>;
}

const FINISHED = ['resolved', 'closed'];
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

export const basisOf = (state: TicketSlaState, kind: TargetKind): TimeBasis =>
  state.policy?.targets[kind]?.time === 'calendar' ? { kind: 'calendar' } : { kind: 'business', hours: state.hours };

/** The spans `[from, to)` between `from` and `to` in which the clocks ran (pauses cut out). */
export function runningSpans(state: TicketSlaState, from: number, to: number): [number, number][] {
  const pauses: (readonly [number, number])[] = [...state.pauses];
  if (state.paused_since !== undefined) pauses.push([state.paused_since, Number.POSITIVE_INFINITY]);
  const spans: [number, number][] = [];
  let cursor = from;
  for (const [start, end] of pauses) {
    if (end <= cursor) continue;
    if (start >= to) break;
    if (start > cursor) spans.push([cursor, start]);
    cursor = Math.max(cursor, end);
  }
  if (cursor < to) spans.push([cursor, to]);
  return spans;
}

/** Minutes a target's clock has run by `now` (stopped at its fulfilment). */
export function elapsedMinutes(state: TicketSlaState, kind: TargetKind, now: number): number {
  const clock = state.targets[kind];
  if (!clock) return 0;
  const basis = basisOf(state, kind);
  const end = Math.min(now, clock.fulfilled_at ?? now);
  return runningSpans(state, clock.started_at, end).reduce((sum, [a, b]) => sum + minutesBetween(basis, a, b), 0);
}

/**
 * When a running target falls due: from the start of the current running span, the minutes still left.
 * None while paused or once fulfilled (a paused clock has no due time; it gets one again on resume).
 */
export function dueAt(state: TicketSlaState, kind: TargetKind): number | undefined {
  const clock = state.targets[kind];
  const target = state.policy?.targets[kind];
  if (!clock || !target || clock.fulfilled_at !== undefined || state.paused_since !== undefined) return undefined;
  const lastResume = state.pauses.reduce((at, [, end]) => Math.max(at, end), clock.started_at);
  const used = elapsedMinutes(state, kind, lastResume);
  return addMinutes(basisOf(state, kind), lastResume, target.minutes - used);
}

/** Targets running and unbreached whose due time is at or before `at`, as SlaBreached at their due time. */
function breachesBy(state: TicketSlaState, at: number, detectedAt: string): SlaTicketEvent[] {
  if (!state.ticket) return [];
  const out: SlaTicketEvent[] = [];
  for (const kind of TARGET_KINDS) {
    const clock = state.targets[kind];
    const due = dueAt(state, kind);
    if (clock && clock.breached_at === undefined && due !== undefined && due <= at) {
      out.push({ type: SlaEventType.SlaBreached, data: { ticket: state.ticket, target: kind, at: iso(due), detected_at: detectedAt } });
    }
  }
  return out.sort((a, b) => ms(a.data.at) - ms(b.data.at));
}

/**
 * One ticket's SLA (`sla-<ticket _id>`). Every decision depends only on this stream and the command, whose
 * times come from the ticket's events: following the same ticket events gives the same SLA events, whatever
 * the wall clock says. Before a ticket event is followed, any due time it passed is recorded as breached
 * (at the due time), so a processor catching up after downtime writes what it would have written live.
 */
export const ticketSlaDecider: Decider<TicketSlaCommand, TicketSlaState, SlaTicketEvent> = {
  initialState: { policy: null, hours: DEFAULT_BUSINESS_HOURS, pauses: [], targets: {} },

  decide(command, state) {
    if (command.kind === 'breach') return breachesBy(state, ms(command.now), command.now);
    const { ticket, change, at, config } = command;
    const events: SlaTicketEvent[] = breachesBy(state, ms(at), at);
    let current = events.reduce(ticketSlaDecider.evolve, state);
    const emit = (...more: SlaTicketEvent[]) => {
      events.push(...more);
      current = more.reduce(ticketSlaDecider.evolve, current);
    };
    const base = { ticket: ticket.id, at };
    switch (change.kind) {
      case 'created':
      case 'priority_changed':
      case 'category_changed': {
        const policy = matchPolicy(config.policies, ticket) ?? null;
        const same = policy?.id === current.policy?.id && policy?.version === current.policy?.version;
        if (same || (policy === null && current.ticket === undefined)) break;
        const reason = change.kind;
        const facts = {
          priority: ticket.priority,
          category: ticket.category,
          ...(ticket.application_id ? { application_id: ticket.application_id } : {}),
          status: ticket.status,
        };
        emit({
          type: SlaEventType.SlaApplied,
          data: { ...base, company_id: ticket.company_id, policy, hours: config.hours ?? DEFAULT_BUSINESS_HOURS, reason, facts },
        });
        if (!policy || (FINISHED.includes(ticket.status) && !policy.pause_statuses.includes(ticket.status))) break;
        // First reply and resolution start now (at creation, or from the change for a ticket that had none);
        // a running clock keeps its start and takes the new policy's minutes.
        for (const kind of ['first_reply', 'resolution'] as const) {
          if (policy.targets[kind] && !current.targets[kind])
            emit({ type: SlaEventType.SlaTargetActivated, data: { ...base, target: kind } });
        }
        const pause = policy.pause_statuses.includes(ticket.status);
        if (pause && current.paused_since === undefined)
          emit({ type: SlaEventType.SlaClockPaused, data: { ...base, status: ticket.status } });
        if (!pause && current.paused_since !== undefined)
          emit({ type: SlaEventType.SlaClockResumed, data: { ...base, status: ticket.status } });
        break;
      }
      case 'status_changed': {
        const policy = current.policy;
        if (!policy) break;
        const pause = policy.pause_statuses.includes(change.status);
        if (!pause && FINISHED.includes(change.status)) {
          // Resolved (when it does not mean "waiting on the customer") or closed: every clock is done.
          if (current.paused_since !== undefined) emit({ type: SlaEventType.SlaClockResumed, data: { ...base, status: change.status } });
          for (const kind of TARGET_KINDS) {
            if (current.targets[kind] && current.targets[kind]!.fulfilled_at === undefined)
              emit({ type: SlaEventType.SlaTargetFulfilled, data: { ...base, target: kind } });
          }
        } else if (pause && current.paused_since === undefined)
          emit({ type: SlaEventType.SlaClockPaused, data: { ...base, status: change.status } });
        else if (!pause && current.paused_since !== undefined)
          emit({ type: SlaEventType.SlaClockResumed, data: { ...base, status: change.status } });
        break;
      }
      case 'public_reply': {
        const policy = current.policy;
        if (!policy) break;
        const running = (kind: TargetKind) => current.targets[kind] !== undefined && current.targets[kind]!.fulfilled_at === undefined;
        if (change.by === 'staff') {
          for (const kind of ['first_reply', 'next_reply'] as const)
            if (running(kind)) emit({ type: SlaEventType.SlaTargetFulfilled, data: { ...base, target: kind } });
        } else if (policy.targets.next_reply && !running('first_reply') && !running('next_reply') && running('resolution')) {
          // The customer wrote after being answered: a new next-reply cycle starts.
          emit({ type: SlaEventType.SlaTargetActivated, data: { ...base, target: 'next_reply' } });
        }
        break;
      }
      default:
        return assertNever(change);
    }
    return events;
  },

  evolve(state, event) {
    const at = ms(event.data.at);
    switch (event.type) {
      case SlaEventType.SlaApplied:
        return applied(state, event.data);
      case SlaEventType.SlaTargetActivated:
        return { ...state, targets: { ...state.targets, [event.data.target]: { started_at: at } } };
      case SlaEventType.SlaClockPaused:
        return { ...state, status: event.data.status, paused_since: at };
      case SlaEventType.SlaClockResumed:
        if (state.paused_since === undefined) return { ...state, status: event.data.status };
        return {
          ...state,
          status: event.data.status,
          paused_since: undefined,
          pauses: [...state.pauses, [state.paused_since, Math.max(at, state.paused_since)]],
        };
      case SlaEventType.SlaTargetFulfilled:
      case SlaEventType.SlaBreached: {
        const clock = state.targets[event.data.target];
        if (!clock) return state;
        const change = event.type === SlaEventType.SlaBreached ? { breached_at: at } : { fulfilled_at: at };
        return { ...state, targets: { ...state.targets, [event.data.target]: { ...clock, ...change } } };
      }
      default:
        return state;
    }
  },
};

function applied(state: TicketSlaState, d: SlaApplied['data']): TicketSlaState {
  // Clocks of targets the new policy has carry over; the others stop mattering.
  const targets = d.policy
    ? Object.fromEntries(Object.entries(state.targets).filter(([kind]) => d.policy!.targets[kind as TargetKind]))
    : {};
  return { ...state, ticket: d.ticket, company_id: d.company_id, policy: d.policy, hours: d.hours, status: d.facts.status, targets };
}
