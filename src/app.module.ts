import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from './audit/audit.module';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { ConfigModule } from './config/config.module';
import { Settings } from './config/settings';
import { EventStoreModule } from './event-store/event-store.module';
import { DeskModule } from './lead/desk/desk.module';
import { FormsModule } from './lead/forms/forms.module';
import { OpsModule } from './ops/ops.module';
import { TicketsModule } from './lead/tickets/tickets.module';
import { VideoModule } from './lead/video/video.module';
import { ProjectionsModule } from './projections/projections.module';
import { SqliteModule } from './sqlite/sqlite.module';

@Module({})
export class AppModule {
  static forRoot(settings?: Settings): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(settings), OpsModule, CqrsModule.forRoot(), SqliteModule, EventStoreModule, ProjectionsModule, TicketsModule, VideoModule, DeskModule, AuditModule, IdempotencyModule, FormsModule],
    };
  }
}
