import { declarePersonalData } from '../../platform/privacy/personal-data';
import { LeaseData, LeaseEvent } from './delivery-lease';
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

/** The delivery lease (delivery-lease.ts): instance names, positions and delivery ids, no personal data. */
type EachLeaseEvent = { [T in LeaseEvent['type']]: { readonly type: T; readonly data: LeaseData } }[LeaseEvent['type']];
export const webhookLeasePersonalData = declarePersonalData<EachLeaseEvent>({
  name: 'webhook-lease',
  events: {
    WebhookLeaseClaimed: { subscription_id: 'none', owner: 'none', cursor: 'none' },
    WebhookLeaseRenewed: { subscription_id: 'none', owner: 'none', cursor: 'none' },
    WebhookLeaseReleased: { subscription_id: 'none', owner: 'none', cursor: 'none' },
  },
  subjects: () => ({}),
});
