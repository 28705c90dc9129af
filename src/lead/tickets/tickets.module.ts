import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../../auth/auth.module';
import { AppendHistoryHandler } from './append-history.command';
import { CreateTicketHandler } from './create-ticket.command';
import { StorefrontTicketsController } from './storefront-tickets.controller';
import { TicketProjection } from './ticket.projection';
import { TicketQueries } from './ticket.queries';

@Module({
  imports: [CqrsModule, AuthModule],
  controllers: [StorefrontTicketsController],
  providers: [CreateTicketHandler, AppendHistoryHandler, TicketQueries, TicketProjection],
  exports: [TicketQueries, TicketProjection],
})
export class TicketsModule {}
