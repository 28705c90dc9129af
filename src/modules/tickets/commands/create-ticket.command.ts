import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { OpenTicket } from '../ticket.decider';
import { TicketCommandHandler } from './ticket-command-handler';
import { TicketQueries } from '../read-model/ticket.queries';
import { TicketDoc } from '../read-model/ticket.views';
import { newTicketDoc } from '../read-model/ticket-doc';
import { TicketCreated, TicketEventType } from '../ticket.events';

export type NewTicket = Omit<OpenTicket, 'id' | 'created_at' | 'created_on'>;

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
    private readonly tickets: TicketCommandHandler,
    private readonly queries: TicketQueries,
  ) {}

  async execute({ ticket, context }: CreateTicketCommand): Promise<TicketDoc> {
    const id = newIdFor(context, 'ticket');
    const { events } = await this.tickets.handle(
      id,
      { kind: 'CreateTicket', ticket: { ...ticket, id, created_on: context.createdOn, created_at: context.now } },
      context,
    );
    // The answer is the ticket this command wrote, numbered as its event records (the number is decided in
    // the append): the projection's own function, no read of the model after the write.
    const created = events.find((e): e is TicketCreated => e.type === TicketEventType.TicketCreated && e.data.id === id);
    if (created?.data.ticket_id !== undefined) return newTicketDoc(created.data, Number(created.data.ticket_id));
    return this.queries.findTicket(id, { companyId: ticket.company_id })!.doc;
  }
}
