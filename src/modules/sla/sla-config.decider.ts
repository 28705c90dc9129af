import { Decider } from '../../platform/command/command-handler';
import { DomainError } from '../../platform/command/domain-error';
import { assertNever } from '../../platform/command/assert-never';
import { BusinessHours, WEEKDAYS } from './business-time';
import { SlaCondition, SlaConfigEvent, SlaEventType, SlaPolicy, SlaTarget, TargetKind } from './sla.events';

/** What staff give for a policy; the decider adds id, version and times. */
export interface PolicyInput {
  readonly name: string;
  readonly condition: SlaCondition;
  readonly targets: Partial<Record<TargetKind, SlaTarget>>;
  readonly pause_statuses: readonly string[];
}

export type SlaConfigCommand =
  | { readonly kind: 'create'; readonly companyId: string; readonly id: string; readonly policy: PolicyInput; readonly now: string }
  | { readonly kind: 'update'; readonly companyId: string; readonly id: string; readonly policy: PolicyInput; readonly now: string }
  | { readonly kind: 'delete'; readonly companyId: string; readonly id: string; readonly now: string }
  | { readonly kind: 'reorder'; readonly companyId: string; readonly order: readonly string[]; readonly now: string }
  | { readonly kind: 'set_hours'; readonly companyId: string; readonly hours: BusinessHours; readonly now: string };

export interface SlaConfigState {
  /** In match order. */
  readonly policies: readonly SlaPolicy[];
  readonly hours?: BusinessHours;
}

export const MAX_POLICIES = 100;

/** Until a company sets its own: Monday to Friday, 09:00-17:00 UTC. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  zone: 'UTC',
  weekly: Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
  holidays: [],
};

const find = (state: SlaConfigState, id: string): SlaPolicy => {
  const policy = state.policies.find((p) => p.id === id);
  if (!policy) throw new DomainError('not_found', `SLA policy ${id} not found`);
  return policy;
};

/** A company's SLA configuration (`sla-config-<company_id>`): ordered policies and business hours. */
export const slaConfigDecider: Decider<SlaConfigCommand, SlaConfigState, SlaConfigEvent> = {
  initialState: { policies: [] },

  decide(command, state) {
    const base = { company_id: command.companyId, at: command.now };
    switch (command.kind) {
      case 'create': {
        if (state.policies.some((p) => p.id === command.id)) return [];
        if (state.policies.length >= MAX_POLICIES) throw new DomainError('limit', `A company has at most ${MAX_POLICIES} SLA policies`);
        const policy: SlaPolicy = { id: command.id, ...command.policy, version: 1, created_at: command.now, updated_at: command.now };
        return [{ type: SlaEventType.SlaPolicyCreated, data: { ...base, policy } }];
      }
      case 'update': {
        const current = find(state, command.id);
        const policy: SlaPolicy = { ...current, ...command.policy, version: current.version + 1, updated_at: command.now };
        return [{ type: SlaEventType.SlaPolicyUpdated, data: { ...base, policy } }];
      }
      case 'delete':
        find(state, command.id);
        return [{ type: SlaEventType.SlaPolicyDeleted, data: { ...base, policy_id: command.id } }];
      case 'reorder': {
        const ids = state.policies.map((p) => p.id);
        const same =
          command.order.length === ids.length &&
          new Set(command.order).size === ids.length &&
          command.order.every((id) => ids.includes(id));
        if (!same)
          throw new DomainError('invalid', 'order must list every policy id exactly once', {
            errors: [{ field: 'order', message: `expected a permutation of ${ids.join(', ') || 'no ids'}` }],
          });
        if (command.order.every((id, i) => ids[i] === id)) return [];
        return [{ type: SlaEventType.SlaPoliciesReordered, data: { ...base, order: command.order } }];
      }
      case 'set_hours':
        return [{ type: SlaEventType.BusinessHoursSet, data: { ...base, hours: command.hours } }];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case SlaEventType.SlaPolicyCreated:
        return { ...state, policies: [...state.policies, event.data.policy] };
      case SlaEventType.SlaPolicyUpdated:
        return { ...state, policies: state.policies.map((p) => (p.id === event.data.policy.id ? event.data.policy : p)) };
      case SlaEventType.SlaPolicyDeleted:
        return { ...state, policies: state.policies.filter((p) => p.id !== event.data.policy_id) };
      case SlaEventType.SlaPoliciesReordered: {
        const order = event.data.order;
        return { ...state, policies: [...state.policies].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)) };
      }
      case SlaEventType.BusinessHoursSet:
        return { ...state, hours: event.data.hours };
      default:
        return state;
    }
  },
};

/** The first policy whose condition the ticket meets, in order. */
export function matchPolicy(
  policies: readonly SlaPolicy[],
  ticket: { priority: string; category: string; application_id?: string },
): SlaPolicy | undefined {
  const meets = (list: readonly string[] | undefined, value: string | undefined) =>
    !list?.length || (value !== undefined && list.includes(value));
  return policies.find(
    (p) =>
      meets(p.condition.priorities, ticket.priority) &&
      meets(p.condition.categories, ticket.category) &&
      meets(p.condition.application_ids, ticket.application_id),
  );
}
