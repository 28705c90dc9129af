import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { AttemptRow, DeliveryRow } from '../delivery-store';
import { WebhookDeliveryWorker } from '../delivery-worker';
import { DEFAULT_OVERLAP_SECONDS, WebhookCommands } from '../webhook.commands';
import { WebhookQueries, WebhookView } from '../webhook.queries';
import { CreateWebhookDto, DeliveriesQueryDto, RotateSecretDto, UpdateWebhookDto } from './webhook.dto';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryView(d: DeliveryRow, attempts: readonly AttemptRow[]) {
  return {
    id: d.id,
    seq: d.seq,
    event_id: d.event_id,
    event_type: d.event_type,
    position: d.position,
    status: d.status,
    attempt_count: d.attempts,
    created_at: iso(d.created_at),
    next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    delivered_at: iso(d.delivered_at),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      attempted_at: iso(a.attempted_at),
      status_code: a.status_code,
      duration_ms: a.duration_ms,
      error: a.error,
      next_retry_at: iso(a.next_retry_at),
    })),
  };
}

/**
 * Staff routes of a company's webhook subscriptions (docs/webhooks.md). A company's staff see and change only
 * their company's subscriptions; another company's id answers 404 as a missing one does. No route takes an
 * Idempotency-Key: create and rotate answer a signing secret, which a stored answer would keep at rest.
 */
@ApiTags('staff: webhooks')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id/webhooks')
export class WebhooksController {
  constructor(
    private readonly commands: WebhookCommands,
    private readonly queries: WebhookQueries,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a subscription; the answer holds its signing secret, shown this once' })
  async create(@Body() body: CreateWebhookDto, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    const created = await this.commands.create(caller.companyId, body, commandContext(request, caller));
    this.worker.wake();
    return created;
  }

  @Get()
  @ApiOperation({ summary: "The company's subscriptions (secrets are never listed)" })
  list(@CurrentCaller() caller: StaffCaller): { items: WebhookView[] } {
    return { items: this.queries.list(caller.companyId) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription' })
  get(@Param('id') id: string, @CurrentCaller() caller: StaffCaller): WebhookView {
    return this.queries.view(caller.companyId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the url, the event types or the description' })
  update(@Param('id') id: string, @Body() body: UpdateWebhookDto, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    return this.commands.update(caller.companyId, id, body, commandContext(request, caller));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription: nothing more is delivered to it' })
  async remove(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<void> {
    await this.commands.transition(caller.companyId, id, 'Delete', commandContext(request, caller));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop delivering; events keep their place and are delivered on resume' })
  async pause(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<WebhookView> {
    await this.commands.transition(caller.companyId, id, 'Pause', commandContext(request, caller));
    return this.queries.view(caller.companyId, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver again (a paused or disabled subscription), from where it stopped' })
  async resume(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<WebhookView> {
    await this.commands.transition(caller.companyId, id, 'Resume', commandContext(request, caller));
    this.worker.wake();
    return this.queries.view(caller.companyId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; the previous one also signs until the overlap ends' })
  rotate(@Param('id') id: string, @Body() body: RotateSecretDto, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    return this.commands.rotate(caller.companyId, id, body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS, commandContext(request, caller));
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a ping (type webhook.ping) to the subscription; see it in the deliveries' })
  test(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    const subscription = this.queries.subscription(caller.companyId, id);
    const delivery = this.worker.ping(subscription, commandContext(request, caller).metadata.correlationId ?? String(request.id));
    return deliveryView(delivery, []);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Deliveries, newest first, each with its attempts (status code, duration, error, next retry)' })
  deliveries(@Param('id') id: string, @Query() query: DeliveriesQueryDto, @CurrentCaller() caller: StaffCaller) {
    this.queries.view(caller.companyId, id);
    const limit = query.limit ?? 50;
    const rows = this.worker.deliveries.list(id, query.before, limit);
    return {
      items: rows.map((d) => deliveryView(d, this.worker.deliveries.attempts(d.id))),
      next_before: rows.length === limit ? rows[rows.length - 1].seq : null,
    };
  }

  @Get(':id/deliveries/:delivery_id')
  @ApiOperation({ summary: 'One delivery and its attempts' })
  delivery(@Param('id') id: string, @Param('delivery_id') deliveryId: string, @CurrentCaller() caller: StaffCaller) {
    this.queries.view(caller.companyId, id);
    const d = this.worker.deliveries.get(id, deliveryId);
    if (!d) throw new DomainError('not_found', 'No such delivery');
    return deliveryView(d, this.worker.deliveries.attempts(d.id));
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again (same webhook-id), in its place in its ticket order' })
  redeliver(@Param('id') id: string, @Param('delivery_id') deliveryId: string, @CurrentCaller() caller: StaffCaller) {
    this.queries.view(caller.companyId, id);
    if (!this.worker.deliveries.redeliver(id, deliveryId)) throw new DomainError('not_found', 'No such delivery');
    this.worker.wake();
    const d = this.worker.deliveries.get(id, deliveryId)!;
    return deliveryView(d, this.worker.deliveries.attempts(d.id));
  }
}
