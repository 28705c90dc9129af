import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { TicketCommandHandler } from './ticket-command-handler';
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
    private readonly handler: TicketCommandHandler,
    private readonly tickets: TicketQueries,
    private readonly desk: DeskQueries,
  ) {}

  async execute({ ticketId, scope, formResponse, user, context }: SubmitFeedbackCommand): Promise<TicketFeedbackDoc> {
    this.tickets.visibleTicket(ticketId, scope);
    const feedbackId = newIdFor(context, 'feedback');
    await this.handler.handle(ticketId, { kind: 'SubmitFeedback', feedbackId, formResponse, user, now: context.now }, context);
    return this.desk.findFeedback(feedbackId)!;
  }
}
