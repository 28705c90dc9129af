import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../platform/auth/auth.module';
import { AppendHistoryHandler } from './commands/append-history.command';
import { CreateTicketHandler } from './commands/create-ticket.command';
import { StorefrontTicketsController } from './http/storefront-tickets.controller';
import { TicketProjection } from './read-model/ticket.projection';
import { TicketQueries } from './read-model/ticket.queries';
import { TicketAccessKeys } from './ticket-access';

@Module({
  imports: [CqrsModule, AuthModule],
  controllers: [StorefrontTicketsController],
  providers: [CreateTicketHandler, AppendHistoryHandler, TicketQueries, TicketProjection, TicketAccessKeys],
  exports: [TicketQueries, TicketProjection, TicketAccessKeys],
})
export class TicketsModule {}
