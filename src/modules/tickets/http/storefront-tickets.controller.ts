import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../../../platform/http/openapi-responses';
import { FastifyReply, FastifyRequest } from 'fastify';
import { StorefrontCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StorefrontAuthGuard } from '../../../platform/auth/storefront-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { AppendHistoryCommand } from '../commands/append-history.command';
import { CreateTicketCommand } from '../commands/create-ticket.command';
import { AddTicketPayloadDto, TicketHistoryPayloadDto } from './ticket.dto';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { TicketAccessKeys } from '../ticket-access';
import { TicketDoc, TicketHistoryDoc } from '../read-model/ticket.views';
import { jsonText } from '../../../platform/http/json-text';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';

/** What a storefront caller may see: its application's tickets that it can prove it opened. */
export const storefrontScopeOf = (caller: StorefrontCaller): TicketScope => ({
  companyId: caller.companyId,
  applicationId: caller.applicationId,
  opener: { userId: caller.userId, accessKey: caller.ticketAccessKey },
});

export const createdByOf = (caller: StorefrontCaller, given: Record<string, unknown> = {}): Record<string, unknown> => {
  // The proven identity wins over whatever the body claims; an anonymous caller names nobody (an `id` in the
  // body would file the ticket under that user, who never opened it).
  const { id: _claimed, ...rest } = given;
  return caller.userId ? { ...rest, id: caller.userId } : rest;
};

/** A ticket's answer to the caller that opened it anonymously: the only time its access key is shown. */
export type OpenedTicketDoc = TicketDoc & { access_key?: string };

/** Storefront (application client) ticket routes: /service/application/lead/v1.0/ticket/... */
@ApiTags('storefront: tickets')
@ApiBearerAuth()
@ApiHeader({
  name: 'x-ticket-access-key',
  required: false,
  description:
    'anonymous callers: the access_key of the answer that opened the ticket; without it (or a signed-in user who opened it) the ticket is 404',
})
@UseGuards(StorefrontAuthGuard)
@Controller('service/application/lead/v1.0/ticket')
export class StorefrontTicketsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: TicketQueries,
    private readonly accessKeys: TicketAccessKeys,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createTicket: open a ticket for the storefront user' })
  @ApiCreatedResponse({ description: 'the new ticket', schema: schemaRef('Ticket') })
  async create(
    @Body() body: AddTicketPayloadDto,
    @CurrentCaller() caller: StorefrontCaller,
    @Req() request: FastifyRequest,
  ): Promise<OpenedTicketDoc> {
    if (body.status !== undefined && body.status !== 'pending') {
      const message = 'a storefront ticket starts as pending; staff change its status';
      throw new DomainError('invalid', `status: ${message}`, { errors: [{ field: 'status', message }] });
    }
    const context = commandContext(request, caller);
    // A signed-in user proves it is theirs by who they are; an anonymous caller only by this key.
    const access = caller.userId ? undefined : this.accessKeys.issue(context, 'ticket');
    const doc = await this.commands.execute(
      new CreateTicketCommand(
        {
          company_id: caller.companyId,
          application_id: caller.applicationId,
          source: 'sales_channel',
          title: body.content.title,
          description: body.content.description,
          attachments: body.content.attachments,
          category: body.category,
          priority: body.priority,
          created_by: createdByOf(caller, body.created_by),
          custom_json: body._custom_json,
          additional_info: body.additional_info?.map((i) => ({ ...i })),
          subscribers: body.subscribers,
          ...(access ? { access_key_sha256: access.sha256 } : {}),
        },
        context,
      ),
    );
    return access ? { ...doc, access_key: access.key } : doc;
  }

  @Get(':id')
  @ApiOperation({ summary: 'getTicket' })
  @ApiOkResponse({ description: 'the ticket; ETag = its stream revision', schema: schemaRef('Ticket') })
  // Sends the stored document's text: no parse and no second serialisation (bench/README.md, HTTP).
  get(@Param('id') id: string, @CurrentCaller() caller: StorefrontCaller, @Res({ passthrough: true }) reply: FastifyReply): string {
    const found = this.queries.visibleTicketJson(id, storefrontScopeOf(caller));
    void reply.header('etag', `"${found.revision}"`);
    return jsonText(reply, found.json);
  }

  @Post(':id/history')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createHistory: comment, log, rating or thread entry on a ticket' })
  @ApiCreatedResponse({ description: 'the new history entry', schema: schemaRef('TicketHistory') })
  addHistory(
    @Param('id') id: string,
    @Body() body: TicketHistoryPayloadDto,
    @CurrentCaller() caller: StorefrontCaller,
    @Req() request: FastifyRequest,
  ): Promise<TicketHistoryDoc> {
    return this.commands.execute(
      new AppendHistoryCommand(
        id,
        storefrontScopeOf(caller),
        { type: body.type, value: body.value, createdBy: createdByOf(caller) },
        commandContext(request, caller),
      ),
    );
  }
}
