import { Global, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DeskModule } from '../lead/desk/desk.module';
import { DeskProjection } from '../lead/desk/desk.projection';
import { FormProjection } from '../lead/forms/form.projection';
import { FormsModule } from '../lead/forms/forms.module';
import { TicketProjection } from '../lead/tickets/ticket.projection';
import { TicketsModule } from '../lead/tickets/tickets.module';
import { VideoRoomProjection } from '../lead/video/video-room.projection';
import { VideoModule } from '../lead/video/video.module';
import { PROJECTIONS, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ReadYourWrites } from './read-your-writes';

/**
 * All projection wiring, top to bottom: which read models exist, in what order they are fed.
 * Add a projection here and it gets its own subscription and checkpoint.
 */
@Global()
@Module({
  imports: [TicketsModule, VideoModule, DeskModule, FormsModule],
  providers: [
    {
      provide: PROJECTIONS,
      inject: [TicketProjection, VideoRoomProjection, DeskProjection, FormProjection],
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
