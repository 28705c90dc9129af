import { Body, Controller, Get, HttpCode, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '../../../platform/command/domain-error';
import { ProblemDetails, toProblem } from '../../../platform/http/problem-details.filter';
import { EditTicketCommand } from '../commands/edit-ticket.command';
import { schemaRef } from '../../../platform/http/openapi-responses';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { commandContext } from '../../../platform/http/request-context';
import { CreateTicketCommand } from '../commands/create-ticket.command';
import { AddTicketPayloadDto } from './ticket.dto';
import { TicketQueries } from '../read-model/ticket.queries';
import { TicketDoc } from '../read-model/ticket.views';
import { BulkEditTicketsPayloadDto, TicketFeedbackPayloadDto } from './desk.dto';
import { DeskQueries } from '../read-model/desk.queries';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketFeedbackDoc, TicketFeedbackList } from '../read-model/desk.views';
import { parseIfMatch, perTicketContext, staffAuthor, staffScope } from './desk-http';
import { COMPANY_PATH, StaffTicketRoutes, changesOf } from './staff-tickets.controller';
import { SubmitFeedbackCommand } from '../commands/submit-feedback.command';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import { StaffAnswerBlocks } from './staff-answer-blocks';
import { AgentGroups } from '../../agent-groups';
import { StaffHistoryEntries } from './staff-history-entries';

/** One ticket's outcome in a bulk edit: `status` 200 with the ticket and its ETag, or the problem's status. */
export interface BulkEditItem {
  _id: string;
  status: number;
  etag?: string;
  ticket?: TicketDoc;
  problem?: ProblemDetails;
}

export interface BulkEditAnswer {
  items: BulkEditItem[];
  succeeded: number;
  failed: number;
}

/** Company-level staff routes: the shared ticket routes, plus create, bulk edit and feedback. */
@ApiTags('staff: company tickets')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller(COMPANY_PATH)
export class StaffCompanyController extends StaffTicketRoutes {
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

  @Post('ticket')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createTicket: a company-level ticket (source platform_panel); staff may set its status' })
  @ApiCreatedResponse({ description: 'the new ticket', schema: schemaRef('Ticket') })
  async create(
    @Body() body: AddTicketPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<TicketDoc> {
    const content = body.content;
    const doc: TicketDoc = await this.commands.execute(
      new CreateTicketCommand(
        {
          company_id: caller.companyId,
          source: 'platform_panel',
          title: content.title,
          description: content.description,
          attachments: content.attachments?.map((a) => ({ ...a })),
          category: body.category,
          status: body.status,
          priority: body.priority,
          // Staff may open a ticket on someone's behalf: a given creator is kept, else the staff member.
          created_by: body.created_by ?? staffAuthor(caller),
          custom_json: body._custom_json,
          additional_info: body.additional_info?.map((i) => ({ ...i })),
          subscribers: body.subscribers,
        },
        commandContext(request, caller),
      ),
    );
    return this.blocks.add([doc])[0];
  }

  @Patch('ticket')
  @Idempotent()
  @ApiOperation({
    summary: 'bulk edit: one EditTicketPayload applied to up to 100 tickets, each its own command (own events, diff and If-Match)',
  })
  @ApiOkResponse({ description: 'per ticket, in the order given: the edited ticket and its ETag, or a problem document' })
  async bulkEdit(
    @Body() body: BulkEditTicketsPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<BulkEditAnswer> {
    const unknown = Object.keys(body.if_match ?? {}).filter((id) => !body.ids.includes(id));
    if (unknown.length > 0) {
      const message = `names tickets not in ids: ${unknown.join(', ')}`;
      throw new DomainError('invalid', `if_match ${message}`, { errors: [{ field: 'if_match', message }] });
    }
    const context = commandContext(request, caller);
    const changes = changesOf(body.changes);
    const items: BulkEditItem[] = [];
    // One after another: each waits for its own write, and a refusal of one leaves the others to go on.
    for (const id of body.ids) {
      const ifMatch = body.if_match?.[id];
      try {
        const { doc, revision } = await this.commands.execute(
          new EditTicketCommand(id, staffScope(caller), changes, staffAuthor(caller), parseIfMatch(ifMatch), perTicketContext(context, id)),
        );
        items.push({ _id: id, status: 200, etag: `"${revision}"`, ticket: this.blocks.add([doc])[0] });
      } catch (error) {
        const problem = toProblem(error);
        // A server fault (store unavailable, ...) is the whole request's: answered as such, so the client
        // retries it (with the same Idempotency-Key, tickets already edited are not edited twice).
        if (problem.status >= 500) throw error;
        items.push({ _id: id, status: problem.status, problem });
      }
    }
    const failed = items.filter((i) => i.status !== 200).length;
    return { items, succeeded: items.length - failed, failed };
  }

  @Get('ticket/:id/feedback')
  @ApiOperation({ summary: 'getFeedbacks: feedback given on the ticket, oldest first' })
  async feedbacks(@Param('id') id: string, @CurrentCaller() caller: StaffCaller): Promise<TicketFeedbackList> {
    this.tickets.visibleTicket(id, staffScope(caller));
    await this.readYourWrites.beforeRead('desk'); // feedback rows are the desk model's, which writes do not wait for
    return { items: this.desk.listFeedback(id) };
  }

  @Post('ticket/:id/feedback')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'submitFeedback: answers of the feedback form, as {key: answer}' })
  submitFeedback(
    @Param('id') id: string,
    @Body() body: TicketFeedbackPayloadDto,
    @CurrentCaller() caller: StaffCaller,
    @Req() request: FastifyRequest,
  ): Promise<TicketFeedbackDoc> {
    return this.commands.execute(
      new SubmitFeedbackCommand(id, staffScope(caller), body.form_response, staffAuthor(caller), commandContext(request, caller)),
    );
  }
}
