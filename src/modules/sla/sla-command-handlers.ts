import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventMetadata, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { SlaConfigCommand, SlaConfigState, slaConfigDecider } from './sla-config.decider';
import { SlaConfigEvent, SlaTicketEvent, slaConfigStream, slaStream } from './sla.events';
import { TicketSlaCommand, TicketSlaState, ticketSlaDecider } from './ticket-sla.decider';

/** How long "this company has no SLA configuration" is believed before its stream is read again. */
const NO_SLA_RECHECK_MS = 5_000;

/**
 * Companies known to have SLA configuration (their `sla-config-<company>` stream exists): only their writes
 * wait for the SLA processor (SlaProcessor.caughtUp). One that has is remembered for good (configuration is
 * never removed, only emptied); one that has not is read again after NO_SLA_RECHECK_MS, so configuration
 * written through another instance is waited for soon after; through this one, at once.
 */
@Injectable()
export class SlaCompanies {
  private readonly withSla = new Set<string>();
  private readonly withoutSla = new Map<string, number>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  configured(companyId: string): void {
    this.withSla.add(companyId);
    this.withoutSla.delete(companyId);
  }

  /** `fresh`: a company not known to have configuration is read again now (the processor's decisions). */
  async usesSla(companyId: string, fresh = false): Promise<boolean> {
    if (this.withSla.has(companyId)) return true;
    const checked = this.withoutSla.get(companyId);
    if (!fresh && checked !== undefined && Date.now() - checked < NO_SLA_RECHECK_MS) return false;
    const [first] = await this.store.readStream(slaConfigStream(companyId), { maxCount: 1 });
    if (first) this.configured(companyId);
    else this.withoutSla.set(companyId, Date.now());
    return first !== undefined;
  }
}

/** A company's SLA configuration: `sla-config-<company_id>` decided by slaConfigDecider. */
@Injectable()
export class SlaConfigCommandHandler extends DeciderCommandHandler<SlaConfigCommand, SlaConfigState, SlaConfigEvent> {
  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    lock: KeyedLock,
    chain: ChainKey,
    readYourWrites: ReadYourWrites,
    private readonly companies: SlaCompanies,
  ) {
    super({ store, lock, chain, readYourWrites }, { streamOf: slaConfigStream, decider: slaConfigDecider });
  }

  override async handle(...args: Parameters<DeciderCommandHandler<SlaConfigCommand, SlaConfigState, SlaConfigEvent>['handle']>) {
    const outcome = await super.handle(...args);
    if (outcome.events.length) this.companies.configured(args[0]);
    return outcome;
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
