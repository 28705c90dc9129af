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
import { TicketChanges } from '../ticket-edit.decider';
import { ticketDecider } from '../ticket.decider';
import { ticketStream } from '../ticket.events';
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
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly queries: TicketQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute({ ticketId, scope, changes, createdBy, ifRevisionIn, context }: EditTicketCommand): Promise<{ doc: TicketDoc; revision: number }> {
    if (!this.queries.findTicket(ticketId, scope)) throw new DomainError('not_found', `Ticket ${ticketId} not found`);
    const outcome = await handleCommand(
      this.store,
      this.lock, this.chain,
      ticketStream(ticketId),
      ticketDecider,
      { kind: 'EditTicket', changes, historyId: newIdFor(context, 'history'), createdBy, createdOn: context.createdOn, now: context.now, maxHistory: this.settings.maxHistoryPerTicket },
      context,
      { ifRevisionIn },
    );
    // An edit that changes nothing appends nothing: there is no new position to wait for.
    if (outcome.events.length) await this.readYourWrites.waitFor(outcome.result.position);
    return this.queries.findTicket(ticketId, scope)!;
  }
}
