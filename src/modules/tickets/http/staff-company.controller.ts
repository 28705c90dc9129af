import { Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { TicketFeedbackPayloadDto } from './desk.dto';
import { DeskQueries } from '../read-model/desk.queries';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketFeedbackDoc, TicketFeedbackList } from '../read-model/desk.views';
import { staffAuthor, staffScope } from './desk-http';
import { COMPANY_PATH, StaffTicketRoutes } from './staff-tickets.controller';
import { SubmitFeedbackCommand } from '../commands/submit-feedback.command';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import { StaffAnswerBlocks } from './staff-answer-blocks';

/** Company-level staff routes: the shared ticket routes, plus create and feedback. */
@ApiTags('staff: company tickets')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller(COMPANY_PATH)
export class StaffCompanyController extends StaffTicketRoutes {
  constructor(commands: CommandBus, tickets: TicketQueries, desk: DeskQueries, blocks: StaffAnswerBlocks, readYourWrites: ReadYourWrites) {
    super(commands, tickets, desk, blocks, readYourWrites);
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
