import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { WebhookDeliveryWorker } from './delivery-worker';
import { WebhooksController } from './http/webhooks.controller';
import { WebhookCommandHandler } from './webhook-command-handler';
import { WebhookCommands } from './webhook.commands';
import { WebhookProjection } from './webhook.projection';
import { WebhookQueries } from './webhook.queries';
import { SecretBox, loadWebhookKey } from './webhook-secrets';

/** Outbound webhooks: event-sourced subscriptions, the delivery worker, the staff routes (docs/webhooks.md). */
@Module({
  imports: [AuthModule],
  controllers: [WebhooksController],
  providers: [
    {
      provide: SecretBox,
      inject: [SETTINGS],
      useFactory: (settings: Settings) => new SecretBox(loadWebhookKey(settings, { create: true })!),
    },
    WebhookCommandHandler,
    WebhookCommands,
    WebhookQueries,
    WebhookProjection,
    WebhookDeliveryWorker,
  ],
  exports: [WebhookProjection],
})
export class WebhooksModule {}
