/**
 * Agent groups (queues) of a company: configuration kept as events on one stream per company
 * (`agentgroups-<company_id>`), decided by agentGroupDecider. The `type` strings are stored forever.
 */
export const AgentGroupEventType = {
  AgentGroupCreated: 'AgentGroupCreated',
  AgentGroupEdited: 'AgentGroupEdited',
  AgentGroupDeleted: 'AgentGroupDeleted',
} as const;

/** What staff set on a group; an edit carries all of it (PUT replaces). */
export interface AgentGroupSettings {
  readonly name: string;
  readonly description: string;
  /** Agent ids (the ids `assigned_to.agent_id` takes), in round-robin order. */
  readonly agents: readonly string[];
}

export interface AgentGroupCreated {
  readonly type: typeof AgentGroupEventType.AgentGroupCreated;
  readonly data: AgentGroupSettings & {
    readonly id: string;
    readonly company_id: string;
    readonly created_by: string;
    readonly created_at: string;
  };
}

export interface AgentGroupEdited {
  readonly type: typeof AgentGroupEventType.AgentGroupEdited;
  readonly data: AgentGroupSettings & { readonly id: string; readonly edited_by: string; readonly edited_at: string };
}

export interface AgentGroupDeleted {
  readonly type: typeof AgentGroupEventType.AgentGroupDeleted;
  readonly data: { readonly id: string; readonly deleted_by: string; readonly deleted_at: string };
}

export type AgentGroupEvent = AgentGroupCreated | AgentGroupEdited | AgentGroupDeleted;

export const agentGroupsStream = (companyId: string) => `agentgroups-${companyId}`;
