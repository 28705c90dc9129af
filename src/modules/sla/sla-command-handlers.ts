import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventMetadata, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { SlaConfigCommand, SlaConfigState, slaConfigDecider } from './sla-config.decider';
import { SlaConfigEvent, SlaTicketEvent, slaConfigStream, slaStream } from './sla.events';
import { TicketSlaCommand, TicketSlaState, ticketSlaDecider } from './ticket-sla.decider';

/** A company's SLA configuration: `sla-config-<company_id>` decided by slaConfigDecider. */
@Injectable()
export class SlaConfigCommandHandler extends DeciderCommandHandler<SlaConfigCommand, SlaConfigState, SlaConfigEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: slaConfigStream, decider: slaConfigDecider });
  }
}

/** One ticket's SLA timeline: `sla-<ticket _id>` decided by ticketSlaDecider. */
@Injectable()
export class TicketSlaCommandHandler extends DeciderCommandHandler<TicketSlaCommand, TicketSlaState, SlaTicketEvent> {
  /** The same command path without the wait for the read models (`unwaited`). */
  private readonly direct: DeciderCommandHandler<TicketSlaCommand, TicketSlaState, SlaTicketEvent>;

  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: slaStream, decider: ticketSlaDecider });
    const noWait = { waitFor: async () => undefined } as unknown as ReadYourWrites;
    this.direct = new DeciderCommandHandler({ store, lock, chain, readYourWrites: noWait }, this.aggregate);
  }

  /**
   * Decides and appends, and answers without waiting for the read models: the processor follows a page of
   * ticket events this way and then waits once for the last position it appended (not once per event).
   */
  unwaited(id: string, command: TicketSlaCommand, context: { commandId: string; metadata: EventMetadata }) {
    return this.direct.handle(id, command, context);
  }
}

/** The wall clock of the SLA scheduler and of the minutes left in answers; tests move it. */
@Injectable()
export class SlaClock {
  now(): number {
    return Date.now();
  }
}
