import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { EVENT_STORE, EventStore, Position, RecordedEvent, comparePositions } from '../../platform/event-store/event-store.port';
import { systemContext } from '../../platform/http/system-context';
import { LogFollower, ReadYourWrites, WriteScope } from '../../platform/projections/read-your-writes';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { ticketStream } from '../tickets';
import { SlaClock, SlaCompanies, SlaConfigCommandHandler, TicketSlaCommandHandler } from './sla-command-handlers';
import { slaChangeOf, ticketFactsOf } from './ticket-facts';
import { SlaQueries } from './sla.queries';

const BATCH = 200;
/** Attempts at one ticket event before it is skipped (logged) so that one bad event cannot stop every SLA. */
const MAX_ATTEMPTS = 5;
/**
 * The scheduler breaches only what fell due this long before it started reading the log: a ticket event
 * written a moment before (a reply, a pause) is followed first, and may fulfil or pause the clock in time.
 */
const BREACH_GRACE_MS = 1000;

/**
 * Follows the ticket events of the global log from a checkpoint (`sla_processor_checkpoint`, this instance's
 * SQLite file) and writes each ticket's SLA events with the `system` actor `sla-processor`, causation = the
 * ticket event's id. The command id is that event id too, so following an event again (a restart before the
 * checkpoint was saved, another instance on EventStoreDB) finds what was written and writes nothing twice.
 *
 * Once caught up with the log, it runs the scheduler: tickets whose next due time has passed get their
 * SlaBreached (the `breach` command is decided on the SLA stream at its current revision, so two instances
 * racing write it once), with the due time as the breach time, however late it is noticed.
 *
 * Read your writes (docs/sla.md "Staff answers and lists"): it is a LogFollower of ReadYourWrites, so a
 * write answers only once this instance's processor has followed it (and the SLA events it caused are in
 * `rm_sla`); a write asks for a pass at once rather than waiting for the next tick. The processor's own
 * appends do not wait for itself (they run inside its pass), and a wait is bounded by
 * LEAD_READ_YOUR_WRITES_TIMEOUT_MS, after which the write answers anyway (its SLA block then lags).
 */
@Injectable()
export class SlaProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown, LogFollower {
  private readonly logger = new Logger('SlaProcessor');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private busy = false;
  /** A pass is asked for and has not started yet: another ask joins it. */
  private queued?: Promise<void>;
  private lastScheduled = 0;
  private failures = { id: '', count: 0 };
  private readonly checkpoint;
  /** Set inside a pass: the processor's own writes do not wait for the processor. */
  private readonly inPass = new AsyncLocalStorage<true>();
  /** The last log position this instance's processor has dealt with. */
  private followed?: Position;
  private readonly waiters = new Set<{ position: Position; done: () => void }>();
  private unregister?: () => void;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(SQLITE_DB) db: SqliteDatabase,
    private readonly configs: SlaConfigCommandHandler,
    private readonly slas: TicketSlaCommandHandler,
    private readonly queries: SlaQueries,
    private readonly clock: SlaClock,
    private readonly readYourWrites: ReadYourWrites,
    private readonly companies: SlaCompanies,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS sla_processor_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), commit_pos TEXT NOT NULL, prepare_pos TEXT NOT NULL)',
    );
    this.checkpoint = {
      get: db.prepare<[], { commit_pos: string; prepare_pos: string }>(
        'SELECT commit_pos, prepare_pos FROM sla_processor_checkpoint WHERE id = 1',
      ),
      save: db.prepare<[string, string]>(
        'INSERT INTO sla_processor_checkpoint (id, commit_pos, prepare_pos) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos',
      ),
    };
  }

  onApplicationBootstrap(): void {
    if (this.settings.slaProcessorIntervalMs === 0) return;
    this.followed = this.position();
    this.unregister = this.readYourWrites.register(this);
    // A tick while a pass is still running is skipped, not queued.
    const run = () =>
      void (this.busy ? undefined : this.runOnce().catch((error) => this.logger.error(`SLA processing failed: ${String(error)}`)));
    run();
    this.timer = setInterval(run, this.settings.slaProcessorIntervalMs).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unregister?.();
    for (const waiter of this.waiters) waiter.done();
    await this.running?.catch(() => undefined);
  }

  /**
   * Resolves once the processor has followed the log up to `position` (a ticket write's SLA events are then
   * written and in `rm_sla`). At once for the processor's own appends, and after the read-your-writes timeout
   * at the latest (logged): a stuck processor delays answers, it never fails a stored write.
   */
  async caughtUp(position: Position, scope?: WriteScope): Promise<void> {
    if (this.inPass.getStore() || this.hasFollowed(position)) return;
    // A company that never configured SLAs gets no SLA events from this write: nothing to wait for.
    if (scope?.companyId !== undefined && !(await this.companies.usesSla(scope.companyId))) return;
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.logger.warn(`a write at position ${position.commit} answers before the SLA processor followed it`);
        waiter.done();
      }, this.settings.readYourWritesTimeoutMs).unref();
      const waiter = {
        position,
        done: () => {
          clearTimeout(timeout);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      this.waiters.add(waiter);
      void this.nudge().catch((error) => this.logger.error(`SLA processing failed: ${String(error)}`));
    });
  }

  private hasFollowed(position: Position): boolean {
    return this.followed !== undefined && comparePositions(this.followed, position) >= 0;
  }

  /** A pass that starts after this call (a waiting write's event is in the log by then); asks made before it starts share it. */
  private nudge(): Promise<void> {
    return (this.queued ??= this.runOnce());
  }

  /** One pass: follow the log to its end, then breach what is due if the scheduler's interval has passed. */
  runOnce(options: { schedule?: boolean } = {}): Promise<void> {
    // One pass at a time: one asked for during another starts after it (and so sees what it wrote).
    const run = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() =>
        this.inPass.run(true, async () => {
          this.busy = true;
          if (this.queued === run) this.queued = undefined;
          try {
            await this.pass(options.schedule);
          } finally {
            this.busy = false;
          }
        }),
      );
    this.running = run;
    return run;
  }

  private async pass(forceSchedule = false): Promise<void> {
    const startedAt = this.clock.now();
    let saved = this.position();
    let position = saved;
    // The checkpoint is saved once per page, not per event (each save is an fsync, and writes now wait for
    // this loop): following an event again after a crash writes nothing twice, so a lost save costs re-reads.
    const save = () => {
      if (!position || position === saved) return;
      this.checkpoint.save.run(String(position.commit), String(position.prepare));
      saved = position;
    };
    // What this page appended: the read models are waited for once, for the last of it, before the waiting
    // writes are let go (and the tickets given an SLA in this page count as having one before rm_sla shows it).
    let appended: Position | undefined;
    const page = { withSla: new Set<string>(), wrote: (at: Position) => (appended = at) };
    const settle = async () => {
      if (appended) await this.readYourWrites.waitFor(appended);
      appended = undefined;
      page.withSla.clear();
      if (position) this.advance(position);
      save();
    };
    let failed = false;
    try {
      for (;;) {
        const events = await this.store.readAll({ fromPosition: position, maxCount: BATCH });
        for (const event of events) {
          if (!(await this.follow(event, page))) return; // retried on the next pass
          position = event.position;
        }
        await settle();
        if (events.length < BATCH) break;
      }
    } catch (error) {
      failed = true; // nothing more is taken as followed: the next pass starts from the last settled page
      throw error;
    } finally {
      if (!failed) await settle();
    }
    if (forceSchedule || startedAt - this.lastScheduled >= this.settings.slaSchedulerIntervalMs) {
      this.lastScheduled = startedAt;
      await this.breachDue(startedAt - BREACH_GRACE_MS);
    }
  }

  /** Records how far this instance has followed the log, and lets the writes waiting for it answer. */
  private advance(position: Position): void {
    if (!this.hasFollowed(position)) this.followed = position;
    for (const waiter of this.waiters) if (this.hasFollowed(waiter.position)) waiter.done();
  }

  private position(): Position | undefined {
    const row = this.checkpoint.get.get();
    return row && { commit: BigInt(row.commit_pos), prepare: BigInt(row.prepare_pos) };
  }

  /** True when the event is done with (followed, irrelevant, or given up on). */
  private async follow(event: RecordedEvent, page: { withSla: Set<string>; wrote: (at: Position) => void }): Promise<boolean> {
    const derived = slaChangeOf(event);
    if (!derived || !event.streamName.startsWith(ticketStream(''))) return true;
    const needsConfig = ['created', 'priority_changed', 'category_changed'].includes(derived.change.kind);
    // A status change or a comment matters only to a ticket that has an SLA: rm_sla says which did before
    // this page (the previous page's SLA writes were waited for), `withSla` which got one in this page.
    const ticketId = event.streamName.slice(ticketStream('').length);
    if (!needsConfig && !page.withSla.has(ticketId) && this.queries.statesOf([ticketId]).size === 0) return true;
    // A company without SLA configuration gets no policy: its tickets' facts are not read (one stream check,
    // read fresh for a company not known to have any, so configuration from another instance counts at once).
    const companyId = event.metadata.tenant?.companyId;
    if (needsConfig && companyId !== undefined && !(await this.companies.usesSla(companyId, true))) return true;
    try {
      const history = await this.store.readStream(event.streamName, { maxCount: Number(event.revision) + 1 });
      const ticket = ticketFactsOf(history);
      if (!ticket) return true;
      const config = needsConfig ? await this.configs.state(ticket.company_id) : { policies: [] };
      const context = systemContext('sla-processor', {
        tenant: { companyId: ticket.company_id, applicationId: ticket.application_id },
        causedBy: event,
        commandId: event.id,
      });
      const outcome = await this.slas.unwaited(
        ticket.id,
        { kind: 'follow', ticket, change: derived.change, at: derived.at, config },
        context,
      );
      if (outcome.events.length) {
        page.withSla.add(ticket.id);
        page.wrote(outcome.result.position);
      }
      return true;
    } catch (error) {
      const count = this.failures.id === event.id ? this.failures.count + 1 : 1;
      this.failures = { id: event.id, count };
      this.logger.error(`cannot follow ${event.type} ${event.id} of ${event.streamName} (attempt ${count}): ${String(error)}`);
      return count >= MAX_ATTEMPTS;
    }
  }

  private async breachDue(cutoff: number): Promise<void> {
    const now = new Date(cutoff).toISOString();
    for (const ticketId of this.queries.dueBy(now, BATCH)) {
      try {
        const state = await this.slas.state(ticketId);
        if (!state.company_id) continue;
        // One command id per ticket and instant: a retry of this very breach finds it written.
        const context = systemContext('sla-scheduler', {
          tenant: { companyId: state.company_id },
          commandId: `sla-breach:${ticketId}:${now}`,
        });
        await this.slas.handle(ticketId, { kind: 'breach', now }, context);
      } catch (error) {
        this.logger.error(`cannot record the SLA breach of ticket ${ticketId}: ${String(error)}`);
      }
    }
  }
}
