import { Module, OnModuleInit } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { StaffAnswerBlocks, StaffHistoryEntries } from '../tickets';
import { TicketsModule } from '../tickets/tickets.module';
import { SlaConfigController } from './http/sla-config.controller';
import { SlaClock, SlaCompanies, SlaConfigCommandHandler, TicketSlaCommandHandler } from './sla-command-handlers';
import { SlaProcessor } from './sla-processor';
import { SlaProjection } from './sla.projection';
import { SlaHistoryProjection } from './sla-history.projection';
import { SlaQueries } from './sla.queries';
import { SlaView, slaView } from './sla.views';

/**
 * SLA policies: a company's policies and business hours (`sla-config-<company_id>`), each ticket's SLA
 * timeline (`sla-<ticket _id>`) derived from its events by the processor, breaches by its scheduler, the
 * `rm_sla` read model, the `sla` block of staff ticket answers, and the SLA `log` entries of the staff history. See docs/sla.md.
 *
 * The configuration lives here rather than in company-config: it is read by the processor on every ticket
 * it applies a policy to, its events are the source of SlaApplied's snapshot, and company-config holds the
 * file-based desk settings, which are not event-sourced.
 */
@Module({
  imports: [AuthModule, TicketsModule],
  controllers: [SlaConfigController],
  providers: [
    SlaCompanies,
    SlaConfigCommandHandler,
    TicketSlaCommandHandler,
    SlaClock,
    SlaQueries,
    SlaProjection,
    SlaHistoryProjection,
    SlaProcessor,
  ],
  exports: [SlaProjection, SlaHistoryProjection],
})
export class SlaModule implements OnModuleInit {
  constructor(
    private readonly blocks: StaffAnswerBlocks,
    private readonly history: StaffHistoryEntries,
    private readonly queries: SlaQueries,
    private readonly clock: SlaClock,
  ) {}

  onModuleInit(): void {
    this.blocks.register('sla', (ids) => {
      const now = this.clock.now();
      const views = new Map<string, SlaView>();
      for (const [id, state] of this.queries.statesOf(ids)) {
        const view = slaView(state, now);
        if (view) views.set(id, view);
      }
      return views;
    });
    // SLA events as `log` entries of the staff history, in time order with the ticket's own entries.
    this.history.register('sla', { count: (id) => this.queries.countHistory(id), first: (id, n) => this.queries.firstHistory(id, n) });
  }
}
