import { Inject, Injectable } from '@nestjs/common';
import { Numbering } from '../../../platform/command/command-handler';
import { DeciderCommandHandler } from '../../../platform/command/decider-command-handler';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../../platform/event-store/event-store.port';
import { ChainKey } from '../../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketCommand, TicketState, ticketDecider } from '../ticket.decider';
import { TicketEvent, TicketEventType, ticketNumbers, ticketStream } from '../ticket.events';

/**
 * A new ticket's readable number: the next of its company's sequence, taken by the store as it writes the
 * TicketCreated (in the append's transaction on the embedded store) and recorded in its data as `ticket_id`.
 */
export const ticketNumbering: Numbering<TicketEvent> = {
  sequenceOf: (events) => {
    const first = events[0];
    return first?.type === TicketEventType.TicketCreated && first.data.ticket_id === undefined
      ? ticketNumbers(first.data.company_id)
      : undefined;
  },
  stamp: (events, number) =>
    events.map((e) => (e.type === TicketEventType.TicketCreated ? { ...e, data: { ...e.data, ticket_id: String(number) } } : e)),
};

/** The ticket aggregate's command path: `ticket-<_id>` streams decided by ticketDecider. */
@Injectable()
export class TicketCommandHandler extends DeciderCommandHandler<TicketCommand, TicketState, TicketEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: ticketStream, decider: ticketDecider, numbering: ticketNumbering });
  }
}
