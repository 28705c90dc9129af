import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { AgentGroups } from './agent-group-command-handler';
import { AgentGroupsController } from './http/agent-groups.controller';

/**
 * Agent groups (queues): a company's configuration as events (`agentgroups-<company_id>`), its staff routes,
 * and `AgentGroups` for the tickets (assign to a group, list filters) and forms (round-robin in a group).
 */
@Module({
  imports: [AuthModule],
  controllers: [AgentGroupsController],
  providers: [AgentGroups],
  exports: [AgentGroups],
})
export class AgentGroupsModule {}
