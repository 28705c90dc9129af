import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../platform/auth/auth.module';
import { AgentGroupsModule } from '../agent-groups';
import { AppendHistoryHandler } from './commands/append-history.command';
import { CreateTicketHandler } from './commands/create-ticket.command';
import { EditTicketHandler } from './commands/edit-ticket.command';
import { SubmitFeedbackHandler } from './commands/submit-feedback.command';
import { TicketCommandHandler } from './commands/ticket-command-handler';
import { StaffCompanyController } from './http/staff-company.controller';
import { StaffApplicationTicketsController } from './http/staff-tickets.controller';
import { StorefrontTicketsController } from './http/storefront-tickets.controller';
import { DeskProjection } from './read-model/desk.projection';
import { DeskQueries } from './read-model/desk.queries';
import { TicketProjection } from './read-model/ticket.projection';
import { TicketQueries } from './read-model/ticket.queries';
import { TicketAccessKeys } from './ticket-access';
import { StaffAnswerBlocks } from './http/staff-answer-blocks';
import { TicketNumberMigration } from './ticket-number.migration';
import { StaffHistoryEntries } from './http/staff-history-entries';

/**
 * The ticket aggregate: its commands, its read models (the ticket documents and histories; the desk's search
 * index and feedback) and its routes for both audiences (storefront and staff).
 */
@Module({
  imports: [CqrsModule, AuthModule, AgentGroupsModule],
  controllers: [StorefrontTicketsController, StaffCompanyController, StaffApplicationTicketsController],
  providers: [
    TicketCommandHandler,
    CreateTicketHandler,
    AppendHistoryHandler,
    EditTicketHandler,
    SubmitFeedbackHandler,
    TicketQueries,
    DeskQueries,
    TicketProjection,
    DeskProjection,
    TicketAccessKeys,
    StaffAnswerBlocks,
    TicketNumberMigration,
    StaffHistoryEntries,
  ],
  exports: [
    TicketCommandHandler,
    TicketQueries,
    TicketProjection,
    DeskProjection,
    TicketAccessKeys,
    StaffAnswerBlocks,
    StaffHistoryEntries,
  ],
})
export class TicketsModule {}
