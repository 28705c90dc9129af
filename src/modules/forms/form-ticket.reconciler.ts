import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { DomainError } from '../../platform/command/domain-error';
import { AppendTooLargeError, EVENT_STORE, EventStore, Position, StreamDeletedError } from '../../platform/event-store/event-store.port';
import { Metrics } from '../../platform/ops/metrics';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { FormSubmitted } from './form.events';
import { formDecider } from './form.decider';
import { foldStream } from '../../platform/command/command-handler';
import { FormQueries } from './form.queries';
import { PeriodicJob } from '../../platform/jobs/periodic-job';
import { FormTicketOpener } from './form-ticket.opener';

const INTERVAL_MS = 5_000;
/** A submission this young is still in the hands of its request; leave it be (doing it too would be harmless). */
const GRACE_MS = 30_000;
const BATCH = 50;

/**
 * Finishes submissions whose ticket was not opened: the forms read model lists stored responses with no
 * TicketCreated yet; for each, the form stream is folded up to its FormSubmitted, which gives the form as it
 * was then, and the same pure function as the request derives the same ticket, written at most once by
 * FormTicketOpener. Runs on every instance, every few seconds, and once at start.
 * A response whose ticket can never be written (larger than the store takes, a stream deleted or truncated by an
 * operator, a decider refusal) is PARKED: logged once as an error, counted in `lead_form_tickets_parked_total`, and
 * skipped by later runs of this process instead of failing every few seconds forever. Parking is in memory: after
 * a restart each parked response is tried once more, and parked again.
 */
@Injectable()
export class FormTicketReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('FormTicketReconciler');
  private readonly job = new PeriodicJob<number, number>('form ticket reconciliation', (graceMs) => this.reconcile(graceMs ?? GRACE_MS));
  /** Response ids whose ticket cannot be written; see the class comment. */
  private readonly parked = new Set<string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: FormQueries,
    private readonly opener: FormTicketOpener,
    private readonly readYourWrites: ReadYourWrites,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  /** Response ids parked by this process. */
  parkedResponses(): string[] {
    return [...this.parked];
  }

  onApplicationBootstrap(): void {
    this.job.start(INTERVAL_MS, { runNow: true });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Opens the tickets of pending responses older than `graceMs`; resolves with how many, once they show. */
  runOnce(graceMs = GRACE_MS): Promise<number> {
    // One run at a time: a run asked for during another starts after it, with its own grace period.
    return this.job.run(graceMs);
  }

  private async reconcile(graceMs: number): Promise<number> {
    let opened = 0;
    let last: Position | undefined;
    for (const pending of this.queries.pendingTickets(new Date(Date.now() - graceMs).toISOString(), BATCH, [...this.parked])) {
      try {
        const events = await this.store.readStream(pending.stream, { maxCount: pending.revision + 1 });
        const submittedEvent = events[pending.revision];
        if (events[0]?.revision !== 0n || submittedEvent?.revision !== BigInt(pending.revision))
          throw new StreamDeletedError(pending.stream, 'truncated');
        const state = foldStream(formDecider, events);
        const submitted = submittedEvent.data as unknown as FormSubmitted['data'];
        last = await this.opener.open(state.form!, submitted, {
          ...submittedEvent.metadata,
          causationId: submittedEvent.id,
          actor: { type: 'system', id: 'form-ticket-reconciler' },
          occurredAt: new Date().toISOString(),
        });
        opened++;
        this.logger.log(`opened ticket ${pending.ticket_id} of response ${pending.id}`);
      } catch (error) {
        if (isPermanent(error)) {
          this.parked.add(pending.id);
          this.metrics?.formTicketsParked.inc();
          this.logger.error(
            `parked response ${pending.id}: its ticket ${pending.ticket_id} can never be written (${String(error)}); not retried until restart`,
          );
          continue;
        }
        this.logger.error(`cannot open ticket ${pending.ticket_id} of response ${pending.id} yet: ${String(error)}`);
      }
    }
    // Done means visible: the next run does not see these as pending again.
    if (last) await this.readYourWrites.waitFor(last);
    return opened;
  }
}

/** What no later attempt can fix; anything else (the store unavailable, a conflict) is retried next run. */
function isPermanent(error: unknown): boolean {
  return error instanceof AppendTooLargeError || error instanceof StreamDeletedError || error instanceof DomainError;
}
