import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../platform/command/domain-error';
import { ChainKey } from '../../../platform/event-store/hash-chain';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { handleCommand } from '../../../platform/command/command-handler';
import { EVENT_STORE, EventStore } from '../../../platform/event-store/event-store.port';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { HistoryType } from '../ticket-catalogue';
import { ticketStream } from '../ticket.events';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { ticketDecider } from '../ticket.decider';
import { TicketHistoryDoc } from '../read-model/ticket.views';

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
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly queries: TicketQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute({ ticketId, scope, entry, context }: AppendHistoryCommand): Promise<TicketHistoryDoc> {
    // Tenancy is checked on the read model: a ticket outside the caller's scope does not exist for them.
    if (!this.queries.findTicket(ticketId, scope)) throw new DomainError('not_found', `Ticket ${ticketId} not found`);
    const historyId = newIdFor(context, 'history');
    const outcome = await handleCommand(
      this.store,
      this.lock, this.chain,
      ticketStream(ticketId),
      ticketDecider,
      { kind: 'AppendHistory', historyId, ...entry, createdOn: context.createdOn, now: context.now, maxHistory: this.settings.maxHistoryPerTicket },
      context,
    );
    await this.readYourWrites.waitFor(outcome.result.position);
    return this.queries.findHistory(historyId)!;
  }
}
