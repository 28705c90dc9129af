import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../platform/auth/auth.module';
import { TicketsModule } from './tickets.module';
import { DeskProjection } from './read-model/desk.projection';
import { DeskQueries } from './read-model/desk.queries';
import { EditTicketHandler } from './commands/edit-ticket.command';
import { GeneralConfigs } from '../company-config/general-config';
import { StaffCompanyController } from './http/staff-company.controller';
import { StaffApplicationTicketsController } from './http/staff-tickets.controller';
import { SubmitFeedbackHandler } from './commands/submit-feedback.command';

/** The staff desk: staff ticket routes, edits with their audit trail, search, feedback, general config. */
@Module({
  imports: [CqrsModule, AuthModule, TicketsModule],
  controllers: [StaffCompanyController, StaffApplicationTicketsController],
  providers: [EditTicketHandler, SubmitFeedbackHandler, DeskQueries, DeskProjection, GeneralConfigs],
  exports: [DeskProjection],
})
export class DeskModule {}
