import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { HistoryType } from '../ticket-catalogue';
import { TicketCommandHandler } from './ticket-command-handler';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { TicketHistoryDoc } from '../read-model/ticket.views';
import { historyDoc } from '../read-model/ticket-doc';
import { HistoryAppended, TicketEventType } from '../ticket.events';

export class AppendHistoryCommand extends Command<TicketHistoryDoc> {
  constructor(
    readonly ticketId: string,
    readonly scope: TicketScope,
    readonly entry: { type: HistoryType; value: Record<string, unknown>; createdBy: Record<string, unknown> },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AppendHistoryCommand)
export class AppendHistoryHandler implements ICommandHandler<AppendHistoryCommand> {
  constructor(
    private readonly tickets: TicketCommandHandler,
    private readonly queries: TicketQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute({ ticketId, scope, entry, context }: AppendHistoryCommand): Promise<TicketHistoryDoc> {
    // Tenancy is checked on the read model: a ticket outside the caller's scope does not exist for them.
    const { doc } = this.queries.visibleTicket(ticketId, scope);
    const historyId = newIdFor(context, 'history');
    const { createdOn, now } = context;
    const { events } = await this.tickets.handle(
      ticketId,
      { kind: 'AppendHistory', historyId, ...entry, createdOn, now, maxHistory: this.settings.maxHistoryPerTicket },
      context,
    );
    // The answer is the entry this command appended (or appended before, on a keyed retry), numbered with the
    // ticket's number, which never changes: no read of the model after the write.
    const appended = events.find((e): e is HistoryAppended => e.type === TicketEventType.HistoryAppended && e.data.id === historyId);
    return appended ? historyDoc(appended.data, doc.ticket_id) : this.queries.findHistory(historyId)!;
  }
}
