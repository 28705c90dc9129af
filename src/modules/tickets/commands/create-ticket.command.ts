import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ChainKey } from '../../../platform/event-store/hash-chain';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { handleCommand } from '../../../platform/command/command-handler';
import { EVENT_STORE, EventStore } from '../../../platform/event-store/event-store.port';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketCreated, ticketStream } from '../ticket.events';
import { TicketQueries } from '../read-model/ticket.queries';
import { ticketDecider } from '../ticket.decider';
import { TicketDoc } from '../read-model/ticket.views';

export type NewTicket = Omit<TicketCreated['data'], 'id' | 'created_at' | 'created_on'>;

export class CreateTicketCommand extends Command<TicketDoc> {
  constructor(
    readonly ticket: NewTicket,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CreateTicketCommand)
export class CreateTicketHandler implements ICommandHandler<CreateTicketCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly queries: TicketQueries,
  ) {}

  async execute({ ticket, context }: CreateTicketCommand): Promise<TicketDoc> {
    const id = newIdFor(context, 'ticket');
    const outcome = await handleCommand(
      this.store,
      this.lock, this.chain,
      ticketStream(id),
      ticketDecider,
      { kind: 'CreateTicket', data: { ...ticket, id, created_on: context.createdOn, created_at: context.now } },
      context,
    );
    await this.readYourWrites.waitFor(outcome.result.position);
    return this.queries.findTicket(id, { companyId: ticket.company_id })!.doc;
  }
}
