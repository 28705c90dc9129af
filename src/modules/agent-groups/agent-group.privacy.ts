import { declarePersonalData } from '../../platform/privacy/personal-data';
import { AgentGroupEvent } from './agent-group.events';

/**
 * Agent groups hold no personal data (docs/privacy.md): a group's name and description are the company's
 * text, its agents and authors are staff ids, which stay in the log as pointers like every actor id.
 */
export const agentGroupPersonalData = declarePersonalData<AgentGroupEvent>({
  name: 'agent-groups',
  events: {
    AgentGroupCreated: {
      id: 'none',
      company_id: 'none',
      name: 'none',
      description: 'none',
      agents: 'none',
      created_by: 'none',
      created_at: 'none',
    },
    AgentGroupEdited: { id: 'none', name: 'none', description: 'none', agents: 'none', edited_by: 'none', edited_at: 'none' },
    AgentGroupDeleted: { id: 'none', deleted_by: 'none', deleted_at: 'none' },
  },
  subjects: () => ({}),
});
