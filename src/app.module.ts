import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from './modules/audit/audit.module';
import { IdempotencyModule } from './platform/http/idempotency/idempotency.module';
import { ConfigModule } from './platform/config/config.module';
import { Settings } from './platform/config/settings';
import { EventStoreModule } from './platform/event-store/event-store.module';
import { CompanyConfigModule } from './modules/company-config/company-config.module';
import { FormsModule } from './modules/forms/forms.module';
import { OpsModule } from './platform/ops/ops.module';
import { TicketsModule } from './modules/tickets/tickets.module';
import { VideoModule } from './modules/video/video.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';
import { ProjectionsModule } from './platform/projections/projections.module';
import { PROJECTION_TYPES } from './app.projections';
import { SqliteModule } from './platform/sqlite/sqlite.module';
import { SlaModule } from './modules/sla/sla.module';
import { AgentGroupsModule } from './modules/agent-groups/agent-groups.module';
import { AttachmentsModule } from './modules/attachments/attachments.module';
import { PrivacyModule } from './modules/privacy/privacy.module';
import { PersonalDataModule } from './platform/privacy/personal-data.module';
import { PERSONAL_DATA_DECLARATIONS } from './app.personal-data';

@Module({})
export class AppModule {
  static forRoot(settings?: Settings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(settings),
        OpsModule,
        CqrsModule.forRoot(),
        SqliteModule,
        // Before the event store: its personal-data layer seals with every module's declaration.
        PersonalDataModule.forRoot(PERSONAL_DATA_DECLARATIONS),
        EventStoreModule,
        // The modules that provide the projections, in app.projections.ts order.
        ProjectionsModule.register({
          imports: [TicketsModule, VideoModule, FormsModule, WebhooksModule, SlaModule, AttachmentsModule],
          projections: [...PROJECTION_TYPES],
        }),
        TicketsModule,
        VideoModule,
        CompanyConfigModule,
        AuditModule,
        IdempotencyModule,
        FormsModule,
        WebhooksModule,
        SlaModule,
        AgentGroupsModule,
        AttachmentsModule,
        PrivacyModule,
      ],
    };
  }
}
