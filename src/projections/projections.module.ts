import { Global, Module, OnApplicationBootstrap } from '@nestjs/common';
import { TicketProjection } from '../lead/tickets/ticket.projection';
import { TicketsModule } from '../lead/tickets/tickets.module';
import { VideoRoomProjection } from '../lead/video/video-room.projection';
import { VideoModule } from '../lead/video/video.module';
import { PROJECTIONS, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ReadYourWrites } from './read-your-writes';

/**
 * Every projection, in feeding order. Add yours here (and its module to `imports`): it gets its own
 * subscription, checkpoint, blue/green rebuilds, health and metrics, and the projections CLI sees it. The CLI
 * builds them with `new`, so a projection takes no constructor arguments: it gets its database in `init`.
 */
export const PROJECTION_TYPES = [TicketProjection, VideoRoomProjection] as const;

/** All projection wiring, top to bottom: which read models exist, in what order they are fed. */
@Global()
@Module({
  imports: [TicketsModule, VideoModule],
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

  onApplicationBootstrap(): void {
    this.runner.start();
  }
}
