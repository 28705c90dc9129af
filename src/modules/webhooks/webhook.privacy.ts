import { declarePersonalData } from '../../platform/privacy/personal-data';
import { WebhookEvent } from './webhook.events';

/** Webhook subscriptions are a company's configuration: no personal data (docs/privacy.md). */
export const webhookPersonalData = declarePersonalData<WebhookEvent>({
  name: 'webhooks',
  events: {
    WebhookSubscriptionCreated: {
      id: 'none',
      company_id: 'none',
      url: 'none',
      events: 'none',
      description: 'none',
      sealed_secret: 'none',
      created_at: 'none',
    },
    WebhookSubscriptionUpdated: { id: 'none', url: 'none', events: 'none', description: 'none', updated_at: 'none' },
    WebhookSubscriptionPaused: { id: 'none', paused_at: 'none' },
    WebhookSubscriptionResumed: { id: 'none', resumed_at: 'none' },
    WebhookSubscriptionDisabled: { id: 'none', reason: 'none', disabled_at: 'none' },
    WebhookSecretRotated: { id: 'none', sealed_secret: 'none', previous_expires_at: 'none', rotated_at: 'none' },
    WebhookSubscriptionDeleted: { id: 'none', deleted_at: 'none' },
  },
  subjects: () => ({}),
});
