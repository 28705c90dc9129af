import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { StorefrontCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StorefrontAuthGuard } from '../../../platform/auth/storefront-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { categoryDisplay } from '../ticket-catalogue';
import { AppendHistoryCommand } from '../commands/append-history.command';
import { CreateTicketCommand } from '../commands/create-ticket.command';
import { AddTicketPayloadDto, TicketHistoryPayloadDto } from './ticket.dto';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { TicketDoc, TicketHistoryDoc } from '../read-model/ticket.views';
import { jsonText } from '../../../platform/http/json-text';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';

const scopeOf = (caller: StorefrontCaller): TicketScope => ({
  companyId: caller.companyId,
  applicationId: caller.applicationId,
  userId: caller.userId,
});

export const createdByOf = (caller: StorefrontCaller, given: Record<string, unknown> = {}) =>
  // The authenticated identity wins over whatever the body claims.
  caller.userId ? { ...given, id: caller.userId } : { ...given };

/** Storefront (application client) ticket routes: /service/application/lead/v1.0/ticket/... */
@ApiTags('storefront: tickets')
@ApiBearerAuth()
@UseGuards(StorefrontAuthGuard)
@Controller('service/application/lead/v1.0/ticket')
export class StorefrontTicketsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: TicketQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createTicket: open a ticket for the storefront user' })
  async create(@Body() body: AddTicketPayloadDto, @CurrentCaller() caller: StorefrontCaller, @Req() request: FastifyRequest): Promise<TicketDoc> {
    if (body.status !== undefined && body.status !== 'pending') {
      const message = 'a storefront ticket starts as pending; staff change its status';
      throw new DomainError('invalid', `status: ${message}`, { errors: [{ field: 'status', message }] });
    }
    return this.commands.execute(
      new CreateTicketCommand(
        {
          company_id: caller.companyId,
          application_id: caller.applicationId,
          source: 'sales_channel',
          content: { title: body.content.title, description: body.content.description ?? '', attachments: body.content.attachments ?? [] },
          category: { key: body.category, display: categoryDisplay(body.category) },
          status: 'pending',
          priority: body.priority ?? 'low',
          created_by: createdByOf(caller, body.created_by),
          tags: [],
          custom_json: body._custom_json,
          additional_info: body.additional_info?.map((i) => ({ ...i })),
          subscribers: body.subscribers,
        },
        commandContext(request, caller),
      ),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'getTicket' })
  // Sends the stored document's text: no parse and no second serialisation (bench/README.md, HTTP).
  get(@Param('id') id: string, @CurrentCaller() caller: StorefrontCaller, @Res({ passthrough: true }) reply: FastifyReply): string {
    const found = this.queries.visibleTicketJson(id, scopeOf(caller));
    void reply.header('etag', `"${found.revision}"`);
    return jsonText(reply, found.json);
  }

  @Post(':id/history')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createHistory: comment, log, rating or thread entry on a ticket' })
  addHistory(
    @Param('id') id: string,
    @Body() body: TicketHistoryPayloadDto,
    @CurrentCaller() caller: StorefrontCaller,
    @Req() request: FastifyRequest,
  ): Promise<TicketHistoryDoc> {
    return this.commands.execute(
      new AppendHistoryCommand(id, scopeOf(caller), { type: body.type, value: body.value, createdBy: createdByOf(caller) }, commandContext(request, caller)),
    );
  }
}
