import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import { commandContext, newIdFor } from '../../../platform/http/request-context';
import { AgentGroups } from '../agent-group-command-handler';
import { AgentGroup, findGroup } from '../agent-group.decider';
import { AgentGroupSettings } from '../agent-group.events';
import { AgentGroupPayloadDto } from './agent-group.dto';

/** An agent group on the wire: `_id` as every document of the Lead API. */
export interface AgentGroupDoc {
  readonly _id: string;
  readonly name: string;
  readonly description: string;
  readonly agents: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
}

export const agentGroupDoc = ({ id, ...rest }: AgentGroup): AgentGroupDoc => ({ _id: id, ...rest });

const settingsOf = (body: AgentGroupPayloadDto): AgentGroupSettings => ({
  name: body.name,
  description: body.description ?? '',
  agents: body.agents ?? [],
});

/** Who made a change, as the group's events record it: the staff member, else the API client. */
const byOf = (caller: StaffCaller) => caller.userId ?? `client:${caller.clientId}`;

/**
 * A company's agent groups (queues): tickets are assigned to a group and/or an agent (`group_id` and
 * `assigned_to` of EditTicketPayload); a custom form naming a group assigns its tickets round-robin among the
 * group's agents. Each change is an event on `agentgroups-<company_id>`; reads fold that stream.
 */
@ApiTags('staff: agent groups')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id')
export class AgentGroupsController {
  constructor(private readonly groups: AgentGroups) {}

  @Get('group')
  @ApiOperation({ summary: 'agent groups (queues) of the company, oldest first' })
  async list(@CurrentCaller() caller: StaffCaller): Promise<{ items: AgentGroupDoc[] }> {
    return { items: (await this.groups.state(caller.companyId)).groups.map(agentGroupDoc) };
  }

  @Post('group')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'create an agent group' })
  async create(
    @Body() body: AgentGroupPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<AgentGroupDoc> {
    const context = commandContext(request, caller);
    const id = newIdFor(context, 'agent-group');
    const command = {
      kind: 'create',
      companyId: caller.companyId,
      id,
      settings: settingsOf(body),
      by: byOf(caller),
      now: context.now,
    } as const;
    const { state } = await this.groups.handle(caller.companyId, command, context);
    return agentGroupDoc(findGroup(state, id));
  }

  @Get('group/:group_id')
  @ApiOperation({ summary: 'one agent group' })
  async get(@Param('group_id') id: string, @CurrentCaller() caller: StaffCaller): Promise<AgentGroupDoc> {
    return agentGroupDoc(await this.groups.group(caller.companyId, id));
  }

  @Put('group/:group_id')
  @ApiOperation({ summary: 'replace an agent group (name, description, agents)' })
  async edit(
    @Param('group_id') id: string,
    @Body() body: AgentGroupPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<AgentGroupDoc> {
    const context = commandContext(request, caller);
    const command = { kind: 'edit', id, settings: settingsOf(body), by: byOf(caller), now: context.now } as const;
    const { state } = await this.groups.handle(caller.companyId, command, context);
    return agentGroupDoc(findGroup(state, id));
  }

  @Delete('group/:group_id')
  @ApiOperation({ summary: 'delete an agent group; tickets in it keep their group_id until edited' })
  async remove(
    @Param('group_id') id: string,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<AgentGroupDoc> {
    const context = commandContext(request, caller);
    const before = await this.groups.group(caller.companyId, id);
    await this.groups.handle(caller.companyId, { kind: 'delete', id, by: byOf(caller), now: context.now }, context);
    return agentGroupDoc(before);
  }
}
