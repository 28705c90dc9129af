import { Global, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DeskModule } from '../../modules/tickets/desk.module';
import { FormsModule } from '../../modules/forms/forms.module';
import { TicketsModule } from '../../modules/tickets/tickets.module';
import { VideoModule } from '../../modules/video/video.module';
import { PROJECTIONS, Projection } from './projection';
import { PROJECTION_TYPES } from '../../app.projections';
import { ProjectionRunner } from './projection-runner';
import { ReadYourWrites } from './read-your-writes';

/**
 * All projection wiring, top to bottom: which read models exist (PROJECTION_TYPES, in projection-types.ts),
 * in what order they are fed. Add a projection there and its module here.
 */
@Global()
@Module({
  imports: [TicketsModule, VideoModule, DeskModule, FormsModule],
  providers: [
    {
      provide: PROJECTIONS,
      inject: [...PROJECTION_TYPES],
      useFactory: (...projections: Projection[]) => projections,
    },
    ProjectionRunner,
    ReadYourWrites,
  ],
  exports: [ProjectionRunner, ReadYourWrites],
})
export class ProjectionsModule implements OnApplicationBootstrap {
  constructor(private readonly runner: ProjectionRunner) {}

  async onApplicationBootstrap(): Promise<void> {
    // Before feeding anything: a projection fed from a checkpoint beyond the log would skip the next events.
    await this.runner.assertCheckpointsWithinLog();
    this.runner.start();
  }
}
