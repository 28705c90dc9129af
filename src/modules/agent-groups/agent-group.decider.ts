import { Decider } from '../../platform/command/command-handler';
import { DomainError } from '../../platform/command/domain-error';
import { assertNever } from '../../platform/command/assert-never';
import { AgentGroupEvent, AgentGroupEventType, AgentGroupSettings } from './agent-group.events';

export interface AgentGroup extends AgentGroupSettings {
  readonly id: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** A company's groups, in creation order (deleted ones are gone). */
export interface AgentGroupsState {
  readonly groups: readonly AgentGroup[];
}

export type AgentGroupCommand =
  | {
      readonly kind: 'create';
      readonly companyId: string;
      readonly id: string;
      readonly settings: AgentGroupSettings;
      readonly by: string;
      readonly now: string;
    }
  | { readonly kind: 'edit'; readonly id: string; readonly settings: AgentGroupSettings; readonly by: string; readonly now: string }
  | { readonly kind: 'delete'; readonly id: string; readonly by: string; readonly now: string };

export const MAX_GROUPS = 200;

export function findGroup(state: AgentGroupsState, id: string): AgentGroup {
  const group = state.groups.find((g) => g.id === id);
  if (!group) throw new DomainError('not_found', `Agent group ${id} not found`);
  return group;
}

/** Names tell groups apart in the desk's filters: unique per company, whatever their case. */
function assertNameFree(state: AgentGroupsState, name: string, except?: string): void {
  const taken = state.groups.some((g) => g.id !== except && g.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new DomainError('conflict', `An agent group named "${name}" already exists`);
}

/** An agent listed twice would take two turns of the round-robin: kept once, in first-seen order. */
const settingsOf = (s: AgentGroupSettings): AgentGroupSettings => ({ ...s, agents: [...new Set(s.agents)] });

const sameSettings = (a: AgentGroupSettings, b: AgentGroupSettings) =>
  a.name === b.name && a.description === b.description && a.agents.join('\u0000') === b.agents.join('\u0000');

export const agentGroupDecider: Decider<AgentGroupCommand, AgentGroupsState, AgentGroupEvent> = {
  initialState: { groups: [] },

  decide(command, state) {
    switch (command.kind) {
      case 'create': {
        if (state.groups.some((g) => g.id === command.id)) return [];
        if (state.groups.length >= MAX_GROUPS) throw new DomainError('limit', `A company has at most ${MAX_GROUPS} agent groups`);
        assertNameFree(state, command.settings.name);
        const data = {
          ...settingsOf(command.settings),
          id: command.id,
          company_id: command.companyId,
          created_by: command.by,
          created_at: command.now,
        };
        return [{ type: AgentGroupEventType.AgentGroupCreated, data }];
      }
      case 'edit': {
        const current = findGroup(state, command.id);
        assertNameFree(state, command.settings.name, command.id);
        const settings = settingsOf(command.settings);
        // A PUT that repeats the group as it is records nothing (a retried request, a form saved unchanged).
        if (sameSettings(current, settings)) return [];
        const data = { ...settings, id: command.id, edited_by: command.by, edited_at: command.now };
        return [{ type: AgentGroupEventType.AgentGroupEdited, data }];
      }
      case 'delete':
        findGroup(state, command.id);
        return [{ type: AgentGroupEventType.AgentGroupDeleted, data: { id: command.id, deleted_by: command.by, deleted_at: command.now } }];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case AgentGroupEventType.AgentGroupCreated: {
        const { id, name, description, agents, created_at } = event.data;
        return { groups: [...state.groups, { id, name, description, agents, created_at, updated_at: created_at }] };
      }
      case AgentGroupEventType.AgentGroupEdited: {
        const { id, name, description, agents, edited_at } = event.data;
        return { groups: state.groups.map((g) => (g.id === id ? { ...g, name, description, agents, updated_at: edited_at } : g)) };
      }
      case AgentGroupEventType.AgentGroupDeleted:
        return { groups: state.groups.filter((g) => g.id !== event.data.id) };
      default:
        return assertNever(event);
    }
  },
};
