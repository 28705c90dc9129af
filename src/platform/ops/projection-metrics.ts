import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { EVENT_STORE, EventStore, countEventsAfter } from '../event-store/event-store.port';
import { ParkedEvents } from '../projections/parked-events';
import { ProjectionRunner, ProjectionState } from '../projections/projection-runner';
import { SQLITE_DB } from '../sqlite/sqlite.module';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { Metrics } from './metrics';

/** Lag is counted up to this many events per scrape (a store without `countAfter` reads them); more reads as this. */
export const LAG_LIMIT = 100_000;

/** Where each projection stands, computed at every scrape from the runner (this process) and the store. */
@Injectable()
export class ProjectionMetrics implements OnModuleInit {
  private readonly parked: ParkedEvents;

  constructor(
    private readonly metrics: Metrics,
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DB) db: SqliteDatabase,
  ) {
    this.parked = new ParkedEvents(db);
  }

  onModuleInit(): void {
    const gauge = (name: string, help: string, value: (s: ProjectionState) => Promise<number> | number) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'] as const,
        registers: [this.metrics.registry],
        collect: async function (this: Gauge<'projection'>) {
          this.reset();
          for (const s of runner.status()) this.set({ projection: s.name }, await value(s));
        },
      });
    const runner = this.runner;
    gauge('lead_projection_position', 'Global-log position of the served read model', (s) => Number(s.position?.commit ?? -1));
    gauge('lead_projection_lag_events', 'Events in the log after the served read model (counted up to 100,000)', (s) =>
      countEventsAfter(this.store, s.position, LAG_LIMIT),
    );
    gauge('lead_projection_parked_events', 'Events parked by the served generation (policy skip-and-park)', (s) =>
      this.parked.count(s.name, s.generation),
    );
    gauge('lead_projection_halted', '1 while the projection is halted on an event it cannot apply', (s) => (s.halted ? 1 : 0));
    gauge('lead_projection_generation', 'Generation of the served read model (goes up at each blue/green switch)', (s) => s.generation);
    gauge('lead_projection_rebuild_lag_events', 'Events the generation being built in this process still has to apply (0: none)', (s) =>
      s.rebuild ? countEventsAfter(this.store, s.rebuild.position, LAG_LIMIT) : 0,
    );
  }
}
