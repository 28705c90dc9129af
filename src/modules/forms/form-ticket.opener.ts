import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/command/domain-error';
import { EVENT_STORE, EventMetadata, EventStore, Position } from '../../platform/event-store/event-store.port';
import { TicketCommandHandler, ticketStream } from '../tickets';
import { FormRecord } from './form.decider';
import { FormSubmitted } from './form.events';
import { ticketFromSubmission } from './form-ticket';

/**
 * Opens the ticket of a stored submission, at most once whoever asks (the request, the reconciler, both at
 * the same time, several instances): the ticket id comes from the FormSubmitted event, the stream must not
 * exist yet (no_stream), and the event id derives from the response id, so a racing or repeated attempt
 * either finds the ticket there already or is a no-op replay of the same append.
 */
@Injectable()
export class FormTicketOpener {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tickets: TicketCommandHandler,
  ) {}

  async open(form: FormRecord, submitted: FormSubmitted['data'], metadata: EventMetadata): Promise<Position> {
    const ticket = ticketFromSubmission(form, submitted);
    try {
      const outcome = await this.tickets.handle(
        ticket.id,
        { kind: 'CreateTicket', ticket },
        { commandId: `form-response:${submitted.response_id}`, metadata },
      );
      return outcome.result.position;
    } catch (error) {
      if (!(error instanceof DomainError && error.kind === 'conflict')) throw error;
      // Opened already; make sure it is this response's ticket and not an id collision.
      const [first] = await this.store.readStream(ticketStream(ticket.id), { maxCount: 1 });
      if (first?.data.response_id !== submitted.response_id) throw error;
      return first.position;
    }
  }
}
