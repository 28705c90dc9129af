import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { TicketCommandHandler } from './ticket-command-handler';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { DeskQueries, feedbackDoc } from '../read-model/desk.queries';
import { FeedbackSubmitted, TicketEventType } from '../ticket.events';
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
    const { doc } = this.tickets.visibleTicket(ticketId, scope);
    const feedbackId = newIdFor(context, 'feedback');
    const { events } = await this.handler.handle(
      ticketId,
      { kind: 'SubmitFeedback', feedbackId, formResponse, user, now: context.now },
      context,
    );
    // The answer is the feedback this command appended: no read of the desk model after the write.
    const submitted = events.find((e): e is FeedbackSubmitted => e.type === TicketEventType.FeedbackSubmitted && e.data.id === feedbackId);
    return submitted ? feedbackDoc(submitted.data, doc.ticket_id) : this.desk.findFeedback(feedbackId)!;
  }
}
