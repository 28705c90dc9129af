import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { TicketChanges } from '../ticket.decider';
import { TicketCommandHandler } from './ticket-command-handler';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { TicketDoc } from '../read-model/ticket.views';

export class EditTicketCommand extends Command<{ doc: TicketDoc; revision: number }> {
  constructor(
    readonly ticketId: string,
    readonly scope: TicketScope,
    readonly changes: TicketChanges,
    readonly createdBy: Record<string, unknown>,
    /** Revisions the client's If-Match allows; undefined = no precondition. */
    readonly ifRevisionIn: readonly bigint[] | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(EditTicketCommand)
export class EditTicketHandler implements ICommandHandler<EditTicketCommand> {
  constructor(
    private readonly tickets: TicketCommandHandler,
    private readonly queries: TicketQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute({
    ticketId,
    scope,
    changes,
    createdBy,
    ifRevisionIn,
    context,
  }: EditTicketCommand): Promise<{ doc: TicketDoc; revision: number }> {
    this.queries.visibleTicket(ticketId, scope);
    const { createdOn, now } = context;
    const historyId = newIdFor(context, 'history');
    const command = {
      kind: 'EditTicket',
      changes,
      historyId,
      createdBy,
      createdOn,
      now,
      maxHistory: this.settings.maxHistoryPerTicket,
    } as const;
    // An edit that changes nothing appends nothing, and answers the ticket as it is.
    await this.tickets.handle(ticketId, command, context, { ifRevisionIn });
    return this.queries.findTicket(ticketId, scope)!;
  }
}
