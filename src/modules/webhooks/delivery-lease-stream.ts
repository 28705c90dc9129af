import { randomUUID } from 'node:crypto';
import { DomainError } from '../../platform/command/domain-error';
import { EventStore, RecordedEvent, WrongExpectedVersionError } from '../../platform/event-store/event-store.port';
import { ChainKey, keyedLink, lastHash } from '../../platform/event-store/hash-chain';
import { systemContext } from '../../platform/http/system-context';
import { LeaseCommand, LeaseEvent, LeaseState, decideLease, evolveLease, initialLeaseState, leaseStream } from './delivery-lease';

export interface LeaseRead {
  readonly state: LeaseState;
  /** The stream's last revision, undefined when it does not exist. */
  readonly revision: bigint | undefined;
}

/** Another instance claimed, renewed or released first: the command was decided on a state that is gone. */
export class LeaseConflictError extends Error {}

/**
 * The lease streams (`delivery-lease.ts`) through the event-store port. Every event holds the whole state,
 * so a read is the stream's last event, whatever the stream's length; an append goes at the revision that was
 * read, so of two racing instances one wins and the other gets LeaseConflictError (on every adapter: the
 * contract suite pins expected revisions). The events carry the audit metadata and extend the stream's keyed
 * hash chain like every other stream's (the audit verifier and anchorer walk the whole log), but do not go
 * through the command path: it folds the whole stream and waits for every read model, neither of which a
 * lease needs.
 */
export class LeaseStreams {
  constructor(
    private readonly store: EventStore,
    private readonly chain: ChainKey,
  ) {}

  async read(subscriptionId: string): Promise<LeaseRead> {
    const [last] = await this.store.readStream(leaseStream(subscriptionId), { direction: 'backwards', maxCount: 1 });
    return { state: last ? evolveLease(initialLeaseState, last as unknown as LeaseEvent) : initialLeaseState, revision: last?.revision };
  }

  /** Decides the command on the stream's last state and appends the outcome at that revision. */
  async run(command: LeaseCommand, companyId: string): Promise<LeaseState> {
    const stream = leaseStream(command.subscriptionId);
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const state = last ? evolveLease(initialLeaseState, last as unknown as LeaseEvent) : initialLeaseState;
    let events: LeaseEvent[];
    try {
      events = decideLease(command, state);
    } catch (error) {
      if (error instanceof DomainError) throw new LeaseConflictError(error.message);
      throw error;
    }
    const { metadata } = systemContext('webhook-worker', {
      tenant: { companyId },
      correlationId: `webhook-lease:${command.subscriptionId}`,
      commandId: randomUUID(),
    });
    let previous = lastHash(last ? [last] : []);
    const revision = last ? last.revision + 1n : 0n;
    const chained = events.map((e, i) => {
      const id = randomUUID();
      const data = e.data as unknown as Record<string, unknown>;
      const linked = keyedLink(this.chain, previous, {
        streamName: stream,
        revision: revision + BigInt(i),
        id,
        type: e.type,
        data,
        metadata,
      });
      previous = linked.hash as string;
      return { id, type: e.type, data, metadata: linked };
    });
    try {
      await this.store.append(stream, chained, { expectedRevision: last ? last.revision : 'no_stream' });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) throw new LeaseConflictError(error.message);
      throw error;
    }
    return events.reduce(evolveLease, state);
  }
}

/** The lease state a recorded lease event holds (the CLI reads it without a ChainKey). */
export function leaseStateOf(last: RecordedEvent | undefined): LeaseState {
  return last ? evolveLease(initialLeaseState, last as unknown as LeaseEvent) : initialLeaseState;
}
