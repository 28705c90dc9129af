import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../platform/command/domain-error';
import { ChainKey } from '../../../platform/event-store/hash-chain';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { handleCommand } from '../../../platform/command/command-handler';
import { EVENT_STORE, EventStore } from '../../../platform/event-store/event-store.port';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { ticketDecider } from '../ticket.decider';
import { ticketStream } from '../ticket.events';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { DeskQueries } from '../read-model/desk.queries';
import { TicketFeedbackDoc } from '../read-model/desk.views';

/** Feedback is an event on the ticket's own stream (FeedbackSubmitted), so it is part of its audit trail. */
export class SubmitFeedbackCommand extends Command<TicketFeedbackDoc> {
  constructor(
    readonly ticketId: string,
    readonly scope: TicketScope,
    readonly formResponse: Record<string, string | number | boolean>,
    readonly user: Record<string, unknown>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(SubmitFeedbackCommand)
export class SubmitFeedbackHandler implements ICommandHandler<SubmitFeedbackCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
    private readonly readYourWrites: ReadYourWrites,
    private readonly tickets: TicketQueries,
    private readonly desk: DeskQueries,
  ) {}

  async execute({ ticketId, scope, formResponse, user, context }: SubmitFeedbackCommand): Promise<TicketFeedbackDoc> {
    if (!this.tickets.findTicket(ticketId, scope)) throw new DomainError('not_found', `Ticket ${ticketId} not found`);
    const feedbackId = newIdFor(context, 'feedback');
    const outcome = await handleCommand(
      this.store,
      this.lock, this.chain,
      ticketStream(ticketId),
      ticketDecider,
      { kind: 'SubmitFeedback', feedbackId, formResponse, user, now: context.now },
      context,
    );
    await this.readYourWrites.waitFor(outcome.result.position);
    return this.desk.findFeedback(feedbackId)!;
  }
}
