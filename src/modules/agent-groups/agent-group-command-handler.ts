import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { AgentGroupCommand, AgentGroupsState, agentGroupDecider, findGroup } from './agent-group.decider';
import { AgentGroupEvent, agentGroupsStream } from './agent-group.events';

/**
 * A company's agent groups: `agentgroups-<company_id>` decided by agentGroupDecider. Reads fold the stream
 * (a few events per group, like the SLA configuration): no read model to lag behind an edit.
 */
@Injectable()
export class AgentGroups extends DeciderCommandHandler<AgentGroupCommand, AgentGroupsState, AgentGroupEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: agentGroupsStream, decider: agentGroupDecider });
  }

  /** The company's group `id`, or a 404 problem. */
  async group(companyId: string, id: string) {
    return findGroup(await this.state(companyId), id);
  }
}
