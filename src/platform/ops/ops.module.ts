import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { SETTINGS, Settings } from '../config/settings';
import { GracefulHttpClose } from './graceful-http-close';
import { HealthController } from './health.controller';
import { loggingOptions } from './logging';
import { Metrics } from './metrics';
import { ProjectionMetrics } from './projection-metrics';
import { TracingShutdown } from './tracing';

/** Operating the service: health probes, Prometheus metrics, logs, tracing's flush, the order of a graceful shutdown. */
@Global()
@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
    LoggerModule.forRootAsync({ inject: [SETTINGS], useFactory: (settings: Settings) => loggingOptions(settings) }),
  ],
  controllers: [HealthController],
  providers: [Metrics, ProjectionMetrics, GracefulHttpClose, TracingShutdown],
  exports: [Metrics],
})
export class OpsModule {}
