import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import { commandContext, newIdFor } from '../../../platform/http/request-context';
import { BusinessHours, businessHoursProblems } from '../business-time';
import { DEFAULT_BUSINESS_HOURS, PolicyInput, SlaConfigState } from '../sla-config.decider';
import { SlaPolicy, TARGET_KINDS } from '../sla.events';
import { SlaConfigCommandHandler } from '../sla-command-handlers';
import { BusinessHoursPayloadDto, SlaOrderPayloadDto, SlaPolicyPayloadDto } from './sla.dto';

/** A policy on the wire: `_id` as every document of the Lead API, and its place in the match order. */
export interface SlaPolicyDoc {
  readonly _id: string;
  readonly position: number;
  readonly name: string;
  readonly condition: SlaPolicy['condition'];
  readonly targets: SlaPolicy['targets'];
  readonly pause_statuses: readonly string[];
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

const policyDoc = (p: SlaPolicy, position: number): SlaPolicyDoc => {
  const { id, ...rest } = p;
  return { _id: id, position, ...rest };
};

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A company's SLA policies (ordered: the first whose condition a ticket meets applies) and business hours.
 * Each change is an event on `sla-config-<company_id>`, recorded with who made it; reads fold that stream.
 */
@ApiTags('staff: SLA')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id')
export class SlaConfigController {
  constructor(
    private readonly configs: SlaConfigCommandHandler,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('sla-policies')
  @ApiOperation({ summary: 'SLA policies of the company, in match order' })
  async list(@CurrentCaller() caller: StaffCaller): Promise<{ items: SlaPolicyDoc[] }> {
    return { items: (await this.configs.state(caller.companyId)).policies.map(policyDoc) };
  }

  @Post('sla-policies')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'add an SLA policy (last in the match order)' })
  async create(
    @Body() body: SlaPolicyPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<SlaPolicyDoc> {
    const context = commandContext(request, caller);
    const id = newIdFor(context, 'sla-policy');
    const { state } = await this.configs.handle(
      caller.companyId,
      { kind: 'create', companyId: caller.companyId, id, policy: this.input(body), now: context.now },
      context,
    );
    return found(state, id);
  }

  @Get('sla-policies/:id')
  @ApiOperation({ summary: 'one SLA policy' })
  async get(@Param('id') id: string, @CurrentCaller() caller: StaffCaller): Promise<SlaPolicyDoc> {
    return found(await this.configs.state(caller.companyId), id);
  }

  @Put('sla-policies/order')
  @ApiOperation({ summary: 'reorder the SLA policies: every id, in the new match order' })
  async reorder(
    @Body() body: SlaOrderPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<{ items: SlaPolicyDoc[] }> {
    const context = commandContext(request, caller);
    const { state } = await this.configs.handle(
      caller.companyId,
      { kind: 'reorder', companyId: caller.companyId, order: body.order, now: context.now },
      context,
    );
    return { items: state.policies.map(policyDoc) };
  }

  @Put('sla-policies/:id')
  @ApiOperation({
    summary: 'replace an SLA policy (its version goes up; tickets get it on their next create, priority or category change)',
  })
  async update(
    @Param('id') id: string,
    @Body() body: SlaPolicyPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<SlaPolicyDoc> {
    const context = commandContext(request, caller);
    const { state } = await this.configs.handle(
      caller.companyId,
      { kind: 'update', companyId: caller.companyId, id, policy: this.input(body), now: context.now },
      context,
    );
    return found(state, id);
  }

  @Delete('sla-policies/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'delete an SLA policy (tickets that have it keep it)' })
  async remove(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<void> {
    const context = commandContext(request, caller);
    await this.configs.handle(caller.companyId, { kind: 'delete', companyId: caller.companyId, id, now: context.now }, context);
  }

  @Get('business-hours')
  @ApiOperation({ summary: 'business hours of the company (Monday-Friday 09:00-17:00 UTC until set)' })
  async hours(@CurrentCaller() caller: StaffCaller): Promise<BusinessHours> {
    return (await this.configs.state(caller.companyId)).hours ?? DEFAULT_BUSINESS_HOURS;
  }

  @Put('business-hours')
  @ApiOperation({ summary: 'set the business hours: a weekly schedule in an IANA zone, and holidays' })
  async setHours(
    @Body() body: BusinessHoursPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<BusinessHours> {
    const hours: BusinessHours = plain({ zone: body.zone, weekly: body.weekly, holidays: body.holidays ?? [] });
    const errors = businessHoursProblems(hours);
    if (errors.length)
      throw new DomainError('invalid', `the business hours cannot be used: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, {
        errors,
      });
    const context = commandContext(request, caller);
    const { state } = await this.configs.handle(
      caller.companyId,
      { kind: 'set_hours', companyId: caller.companyId, hours, now: context.now },
      context,
    );
    return state.hours!;
  }

  private input(body: SlaPolicyPayloadDto): PolicyInput {
    if (!TARGET_KINDS.some((k) => body.targets[k])) {
      const message = 'give at least one of first_reply, next_reply, resolution';
      throw new DomainError('invalid', `targets: ${message}`, { errors: [{ field: 'targets', message }] });
    }
    return plain({
      name: body.name,
      condition: body.condition ?? {},
      targets: body.targets,
      pause_statuses: body.pause_statuses ?? [this.settings.slaWaitingOnCustomerStatus],
    });
  }
}

function found(state: SlaConfigState, id: string): SlaPolicyDoc {
  const position = state.policies.findIndex((p) => p.id === id);
  if (position < 0) throw new DomainError('not_found', `SLA policy ${id} not found`);
  return policyDoc(state.policies[position], position);
}
