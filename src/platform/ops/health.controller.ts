import { Controller, Get, Inject, OnModuleInit, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { FastifyReply } from 'fastify';
import { Gauge } from 'prom-client';
import { SETTINGS, Settings } from '../config/settings';
import { EVENT_STORE, EventStore, countEventsAfter } from '../event-store/event-store.port';
import { ProjectionRunner } from '../projections/projection-runner';
import { Metrics } from './metrics';

/**
 * Probes in terminus' shape, answered as they are (not as problem documents): `live` while the process runs,
 * `ready` while the store answers and every projection is live, not halted and within
 * LEAD_READY_MAX_LAG_EVENTS of the log's head. Metrics for Prometheus at /metrics, with `lead_ready` saying
 * what /health/ready would answer (alert rules read it; a probe failing is seen only by the orchestrator).
 */
@ApiExcludeController()
@Controller()
export class HealthController implements OnModuleInit {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly runner: ProjectionRunner,
    private readonly metrics: Metrics,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    const ready = () => this.isReady();
    new Gauge({
      name: 'lead_ready',
      help: '1 while GET /health/ready answers 200 (store answers, projections live, not halted, within the lag bound)',
      registers: [this.metrics.registry],
      collect: async function (this: Gauge) {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }

  @Get('health/live')
  live(@Res() reply: FastifyReply): Promise<void> {
    return this.answer(reply, () => this.health.check([]));
  }

  @Get('health/ready')
  ready(@Res() reply: FastifyReply): Promise<void> {
    return this.answer(reply, () => this.health.check([() => this.storeAnswers(), () => this.projectionsCaughtUp()]));
  }

  @Get('metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    void reply.header('content-type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  private async answer(reply: FastifyReply, check: () => Promise<unknown>): Promise<void> {
    try {
      void reply.status(200).send(await check());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503).send(error.getResponse());
    }
  }

  private async isReady(): Promise<boolean> {
    const results = [await this.storeAnswers(), await this.projectionsCaughtUp()];
    return results.every((result) => Object.values(result).every((indicator) => indicator.status === 'up'));
  }

  private async storeAnswers(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('event_store');
    try {
      await this.store.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async projectionsCaughtUp(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('projections');
    const max = this.settings.readyMaxLagEvents;
    const details: Record<string, { mode: string; lifecycle: string; lag: number; halted?: string; generation: number }> = {};
    let ready = true;
    for (const s of this.runner.status()) {
      const lag = await countEventsAfter(this.store, s.position, max + 1);
      details[s.name] = { mode: s.mode, lifecycle: s.lifecycle, generation: s.generation, lag, ...(s.halted ? { halted: s.halted } : {}) };
      ready &&= !s.halted && lag <= max;
    }
    return ready ? indicator.up(details) : indicator.down(details);
  }
}
