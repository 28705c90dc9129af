import { FormCommandHandler } from './form-command-handler';
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../platform/auth/auth.module';
import { TicketsModule } from '../tickets/tickets.module';
import { AgentGroupsModule } from '../agent-groups';
import { DefineFormHandler } from './form-definition.commands';
import { FormProjection } from './form.projection';
import { FormQueries } from './form.queries';
import { FormTicketOpener } from './form-ticket.opener';
import { FormTicketReconciler } from './form-ticket.reconciler';
import { StaffFormsController } from './http/staff-forms.controller';
import { StorefrontFormsController } from './http/storefront-forms.controller';
import { SubmitFormHandler } from './submit-form.command';

@Module({
  imports: [CqrsModule, AuthModule, TicketsModule, AgentGroupsModule],
  controllers: [StaffFormsController, StorefrontFormsController],
  providers: [
    FormCommandHandler,
    DefineFormHandler,
    SubmitFormHandler,
    FormQueries,
    FormProjection,
    FormTicketOpener,
    FormTicketReconciler,
  ],
  exports: [FormProjection, FormTicketReconciler],
})
export class FormsModule {}
