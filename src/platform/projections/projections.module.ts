import { DynamicModule, Global, Module, OnApplicationBootstrap, Type } from '@nestjs/common';
import { PROJECTIONS, PROJECTION_CLASSES, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ReadYourWrites } from './read-your-writes';

/**
 * The projection machinery. It knows no feature: the composition root (app.module.ts) registers the projection
 * classes (app.projections.ts) and the modules that provide them, in feeding order.
 */
@Global()
@Module({})
export class ProjectionsModule implements OnApplicationBootstrap {
  constructor(private readonly runner: ProjectionRunner) {}

  static register(options: { imports: readonly Type<unknown>[]; projections: readonly Type<Projection>[] }): DynamicModule {
    return {
      module: ProjectionsModule,
      imports: [...options.imports],
      providers: [
        { provide: PROJECTIONS, inject: [...options.projections], useFactory: (...projections: Projection[]) => projections },
        // The classes, for in-process rebuilds (erasure): a rebuild needs fresh instances beside the live ones.
        { provide: PROJECTION_CLASSES, useValue: options.projections },
        ProjectionRunner,
        ReadYourWrites,
      ],
      exports: [ProjectionRunner, ReadYourWrites, PROJECTION_CLASSES],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before feeding anything: a projection fed from a checkpoint beyond the log would skip the next events.
    await this.runner.assertCheckpointsWithinLog();
    this.runner.start();
  }
}
