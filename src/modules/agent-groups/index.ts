// The agent-groups module's public face: what another module may use (the boundary lint refuses the rest).
export { AgentGroups } from './agent-group-command-handler';
export { AgentGroup, AgentGroupsState } from './agent-group.decider';
export { AgentGroupEventType, agentGroupsStream } from './agent-group.events';
export { AgentGroupsModule } from './agent-groups.module';
