import type { BusinessHours } from './business-time';

/**
 * SLA events. The `type` strings are stored forever: never rename one, add a new type instead.
 *
 * Two stream types: `sla-config-<company_id>` holds a company's policies and business hours (staff edits);
 * `sla-<ticket _id>` holds one ticket's SLA timeline, derived from the ticket's own events by the SLA
 * processor (and its breaches, by the scheduler).
 */
export const SlaEventType = {
  SlaPolicyCreated: 'SlaPolicyCreated',
  SlaPolicyUpdated: 'SlaPolicyUpdated',
  SlaPolicyDeleted: 'SlaPolicyDeleted',
  SlaPoliciesReordered: 'SlaPoliciesReordered',
  BusinessHoursSet: 'BusinessHoursSet',
  SlaApplied: 'SlaApplied',
  SlaTargetActivated: 'SlaTargetActivated',
  SlaClockPaused: 'SlaClockPaused',
  SlaClockResumed: 'SlaClockResumed',
  SlaTargetFulfilled: 'SlaTargetFulfilled',
  SlaBreached: 'SlaBreached',
} as const;

export const TARGET_KINDS = ['first_reply', 'next_reply', 'resolution'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface SlaTarget {
  readonly minutes: number;
  /** `business`: counted inside the company's business hours; `calendar`: every minute. */
  readonly time: 'business' | 'calendar';
}

/** Empty or absent lists match anything; a ticket matches when each given list holds its value. */
export interface SlaCondition {
  readonly priorities?: readonly string[];
  readonly categories?: readonly string[];
  readonly application_ids?: readonly string[];
}

export interface SlaPolicy {
  readonly id: string;
  readonly name: string;
  readonly condition: SlaCondition;
  readonly targets: Partial<Record<TargetKind, SlaTarget>>;
  /** Statuses during which every clock stops (the ticket waits on the customer). */
  readonly pause_statuses: readonly string[];
  /** 1 when created, +1 on each update: SlaApplied records which version a ticket got. */
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

type ConfigEvent<Type extends string, Data> = {
  readonly type: Type;
  readonly data: { readonly company_id: string; readonly at: string } & Data;
};

export type SlaPolicyCreated = ConfigEvent<'SlaPolicyCreated', { readonly policy: SlaPolicy }>;
export type SlaPolicyUpdated = ConfigEvent<'SlaPolicyUpdated', { readonly policy: SlaPolicy }>;
export type SlaPolicyDeleted = ConfigEvent<'SlaPolicyDeleted', { readonly policy_id: string }>;
/** The full order of the policies after the change: first match wins. */
export type SlaPoliciesReordered = ConfigEvent<'SlaPoliciesReordered', { readonly order: readonly string[] }>;
export type BusinessHoursSet = ConfigEvent<'BusinessHoursSet', { readonly hours: BusinessHours }>;

export type SlaConfigEvent = SlaPolicyCreated | SlaPolicyUpdated | SlaPolicyDeleted | SlaPoliciesReordered | BusinessHoursSet;

type TicketSlaEvent<Type extends string, Data> = {
  readonly type: Type;
  readonly data: { readonly ticket: string; readonly at: string } & Data;
};

/**
 * The policy a ticket got, as it was then (targets, pause statuses and the business hours), so the clocks
 * replay from this stream alone whatever the policies say later. `policy: null`: no policy matches any more.
 * `ticket` facts are those the match used.
 */
export type SlaApplied = TicketSlaEvent<
  'SlaApplied',
  {
    readonly company_id: string;
    readonly policy: SlaPolicy | null;
    readonly hours: BusinessHours;
    readonly reason: 'created' | 'priority_changed' | 'category_changed';
    readonly facts: { readonly priority: string; readonly category: string; readonly application_id?: string; readonly status: string };
  }
>;
/** A target's clock starts counting (first reply and resolution on apply, next reply on a customer's reply). */
export type SlaTargetActivated = TicketSlaEvent<'SlaTargetActivated', { readonly target: TargetKind }>;
export type SlaClockPaused = TicketSlaEvent<'SlaClockPaused', { readonly status: string }>;
export type SlaClockResumed = TicketSlaEvent<'SlaClockResumed', { readonly status: string }>;
export type SlaTargetFulfilled = TicketSlaEvent<'SlaTargetFulfilled', { readonly target: TargetKind }>;
/** `at` is the due time that passed (what the breach time should be, even when found late); `detected_at` when it was noticed. */
export type SlaBreached = TicketSlaEvent<'SlaBreached', { readonly target: TargetKind; readonly detected_at: string }>;

export type SlaTicketEvent = SlaApplied | SlaTargetActivated | SlaClockPaused | SlaClockResumed | SlaTargetFulfilled | SlaBreached;

export const slaConfigStream = (companyId: string) => `sla-config-${companyId}`;
export const slaStream = (ticketId: string) => `sla-${ticketId}`;

export const SLA_TICKET_EVENT_TYPES: readonly string[] = [
  'SlaApplied',
  'SlaTargetActivated',
  'SlaClockPaused',
  'SlaClockResumed',
  'SlaTargetFulfilled',
  'SlaBreached',
];
