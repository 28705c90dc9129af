import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../../../platform/http/openapi-responses';
import { FastifyReply, FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { AppendHistoryCommand } from '../commands/append-history.command';
import { StaffHistoryPayloadDto } from './ticket.dto';
import { TicketQueries } from '../read-model/ticket.queries';
import { TicketDoc, TicketHistoryDoc } from '../read-model/ticket.views';
import { DEFAULT_PAGE_SIZE, EditTicketPayloadDto, PageQueryDto, TicketListQueryDto } from './desk.dto';
import { DeskQueries } from '../read-model/desk.queries';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketHistoryList, TicketList, numberPage } from '../read-model/desk.views';
import { listParts, parseIfMatch, staffAuthor, staffScope } from './desk-http';
import { EditTicketCommand } from '../commands/edit-ticket.command';
import { TicketChanges } from '../ticket.decider';
import { jsonText } from '../../../platform/http/json-text';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import { StaffAnswerBlocks } from './staff-answer-blocks';
import { AgentGroups } from '../../agent-groups';
import { StaffHistoryEntries } from './staff-history-entries';

export const COMPANY_PATH = 'service/platform/lead/v1.0/company/:company_id';
export const APPLICATION_PATH = `${COMPANY_PATH}/application/:application_id`;

/**
 * Staff ticket routes, served at company level (every ticket of the company, StaffCompanyController) and at
 * application level (the tickets of that application only, below). The guard has already matched the
 * token's company to the path, and the application to the company.
 */
export abstract class StaffTicketRoutes {
  constructor(
    protected readonly commands: CommandBus,
    protected readonly tickets: TicketQueries,
    protected readonly desk: DeskQueries,
    /** Blocks other modules add to staff answers (the SLA block). */
    protected readonly blocks: StaffAnswerBlocks,
    /** The company's agent groups, listed in the list's filters. */
    protected readonly groups: AgentGroups,
    /** Entries other modules add to the history (the SLA's log entries). */
    protected readonly extraHistory: StaffHistoryEntries,
    protected readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('ticket')
  @ApiOperation({ summary: 'getPlatformTickets / getNewTickets: list, filter and search tickets, newest first' })
  // Answers with JSON text assembled around the stored documents' text (see jsonText): the same fields in the
  // same order as a TicketList object (items, page, filters), without parsing and re-serialising each ticket.
  async list(
    @Query() query: TicketListQueryDto,
    @CurrentCaller() caller: StaffCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const scope = staffScope(caller);
    const parts = listParts(query.items, query.filters);
    // A search reads the desk's index, which writes do not wait for: wait here for this instance's writes.
    if (parts.items && query.q !== undefined) await this.readYourWrites.beforeRead('desk');
    const fields: string[] = [];
    if (parts.items) {
      const { status, priority, category, q, before, sla_state: slaState, sort, assigned_to: assignedTo, group, tags } = query;
      const { items, page } = this.desk.listTickets(scope, {
        status,
        priority,
        category,
        q,
        before,
        slaState,
        sort,
        assignedTo,
        group,
        tags,
        tagsMatch: query.tags_match,
        createdAfter: query.created_after,
        updatedAfter: query.updated_after,
        pageNo: query.page_no ?? 1,
        pageSize: query.page_size ?? DEFAULT_PAGE_SIZE,
      });
      fields.push(`"items":[${this.blocks.addToJson(items).join(',')}]`, `"page":${JSON.stringify(page)}`);
    }
    if (parts.filters) {
      const groups = (await this.groups.state(caller.companyId)).groups.map((g) => ({ _id: g.id, name: g.name }));
      fields.push(`"filters":${JSON.stringify(this.desk.filters(scope, groups) satisfies TicketList['filters'])}`);
    }
    return jsonText(reply, `{${fields.join(',')}}`);
  }

  @Get('ticket/:id')
  @ApiOperation({ summary: 'getPlatformTicket / getNewTicket (ETag = stream revision)' })
  @ApiOkResponse({ description: 'the ticket; ETag = its stream revision', schema: schemaRef('Ticket') })
  // Sends the stored document's text with the other modules' blocks spliced in: no parse, no second serialisation.
  get(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Res({ passthrough: true }) reply: FastifyReply): string {
    const found = this.tickets.visibleTicketJson(id, staffScope(caller));
    void reply.header('etag', `"${found.revision}"`);
    return jsonText(reply, this.blocks.addToJson([{ id, json: found.json }])[0]);
  }

  @Put('ticket/:id')
  @ApiOperation({ summary: 'editPlatformTicket / editNewTicket: status, priority, category, tags, assignee, content' })
  @ApiHeader({ name: 'if-match', required: false, description: 'the ETag read; a stale one is 412 and changes nothing' })
  @ApiOkResponse({ description: 'the ticket after the edit; ETag = its new stream revision', schema: schemaRef('Ticket') })
  async edit(
    @Param('id') id: string,
    @Body() body: EditTicketPayloadDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketDoc> {
    // The validation pipe turns a `null` body into an empty payload; an edit needs a JSON object.
    if (typeof request.body !== 'object' || request.body === null) {
      const message = 'the body must be a JSON object (EditTicketPayload)';
      throw new DomainError('invalid', message, { errors: [{ field: 'body', message }] });
    }
    const { doc, revision } = await this.commands.execute(
      new EditTicketCommand(
        id,
        staffScope(caller),
        changesOf(body),
        staffAuthor(caller),
        parseIfMatch(ifMatch),
        commandContext(request, caller),
      ),
    );
    void reply.header('etag', `"${revision}"`);
    return this.blocks.add([doc])[0];
  }

  @Post('ticket/:id/history')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createPlatformTicketHistory / createNewHistory: comment, log, rating, thread or internal note entry' })
  @ApiCreatedResponse({ description: 'the new history entry', schema: schemaRef('TicketHistory') })
  addHistory(
    @Param('id') id: string,
    @Body() body: StaffHistoryPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<TicketHistoryDoc> {
    const entry = { type: body.type, value: body.value, createdBy: staffAuthor(caller) };
    return this.commands.execute(new AppendHistoryCommand(id, staffScope(caller), entry, commandContext(request, caller)));
  }

  @Get('ticket/:id/history')
  @ApiOperation({ summary: 'getPlatformTicketHistory / getNewTicketHistory: oldest first, 100 a page by default' })
  @ApiOkResponse({ description: 'a page of history entries, oldest first', schema: schemaRef('TicketHistoryList') })
  history(@Param('id') id: string, @Query() query: PageQueryDto, @CurrentCaller() caller: StaffCaller): TicketHistoryList {
    const { doc } = this.tickets.visibleTicket(id, staffScope(caller));
    const pageNo = query.page_no ?? 1;
    const pageSize = query.page_size ?? HISTORY_PAGE_SIZE;
    const own = { total: this.tickets.countHistory(id), first: (n: number) => this.tickets.listHistory(id, n, 0).items };
    const { items, total } = this.extraHistory.page(doc, own, pageSize, (pageNo - 1) * pageSize);
    return { items, page: numberPage(pageNo, pageSize, total, items.length) };
  }
}

@ApiTags('staff: application tickets')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller(APPLICATION_PATH)
export class StaffApplicationTicketsController extends StaffTicketRoutes {
  // Declared so that Nest sees the constructor's parameter types (an undecorated base class has none).
  constructor(
    commands: CommandBus,
    tickets: TicketQueries,
    desk: DeskQueries,
    blocks: StaffAnswerBlocks,
    groups: AgentGroups,
    extraHistory: StaffHistoryEntries,
    readYourWrites: ReadYourWrites,
  ) {
    super(commands, tickets, desk, blocks, groups, extraHistory, readYourWrites);
  }
}

/** An EditTicketPayload as the decider takes it: plain JSON, attachments without absent keys. */
export function changesOf(body: EditTicketPayloadDto): TicketChanges {
  return {
    ...body,
    content: body.content && {
      title: body.content.title,
      description: body.content.description,
      attachments: body.content.attachments?.map(({ display, value, type }) => ({
        ...(display === undefined ? {} : { display }),
        value,
        type,
      })),
    },
  };
}

// The server's own history example pages by 100; the SDK sends no paging for history.
const HISTORY_PAGE_SIZE = 100;
