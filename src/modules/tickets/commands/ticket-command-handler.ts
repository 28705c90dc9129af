import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../../platform/command/decider-command-handler';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../../platform/event-store/event-store.port';
import { ChainKey } from '../../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { TicketCommand, TicketState, ticketDecider } from '../ticket.decider';
import { TicketEvent, ticketStream } from '../ticket.events';

/** The ticket aggregate's command path: `ticket-<_id>` streams decided by ticketDecider. */
@Injectable()
export class TicketCommandHandler extends DeciderCommandHandler<TicketCommand, TicketState, TicketEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: ticketStream, decider: ticketDecider });
  }
}
