import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../auth/auth.module';
import { TicketsModule } from '../tickets/tickets.module';
import { DeskProjection } from './desk.projection';
import { DeskQueries } from './desk.queries';
import { EditTicketHandler } from './edit-ticket.command';
import { GeneralConfigs } from './general-config';
import { StaffCompanyController } from './staff-company.controller';
import { StaffApplicationTicketsController } from './staff-tickets.controller';
import { SubmitFeedbackHandler } from './submit-feedback.command';

/** The staff desk: staff ticket routes, edits with their audit trail, search, feedback, general config. */
@Module({
  imports: [CqrsModule, AuthModule, TicketsModule],
  controllers: [StaffCompanyController, StaffApplicationTicketsController],
  providers: [EditTicketHandler, SubmitFeedbackHandler, DeskQueries, DeskProjection, GeneralConfigs],
  exports: [DeskProjection],
})
export class DeskModule {}
