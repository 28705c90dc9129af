/**
 * Webhook subscription events, one stream per subscription (`webhook-<id>`). The signing secret is stored
 * sealed (AES-256-GCM under the webhook key, see webhook-secrets.ts): the log is readable by every auditor
 * and backup, a signing secret must not be. The `type` strings are stored forever: never rename one.
 */
export const WebhookEventType = {
  WebhookSubscriptionCreated: 'WebhookSubscriptionCreated',
  WebhookSubscriptionUpdated: 'WebhookSubscriptionUpdated',
  WebhookSubscriptionPaused: 'WebhookSubscriptionPaused',
  WebhookSubscriptionResumed: 'WebhookSubscriptionResumed',
  WebhookSubscriptionDisabled: 'WebhookSubscriptionDisabled',
  WebhookSecretRotated: 'WebhookSecretRotated',
  WebhookSubscriptionDeleted: 'WebhookSubscriptionDeleted',
} as const;

export interface WebhookSubscriptionCreated {
  readonly type: typeof WebhookEventType.WebhookSubscriptionCreated;
  readonly data: {
    readonly id: string;
    readonly company_id: string;
    readonly url: string;
    /** Event types delivered, or `["*"]` for all. */
    readonly events: readonly string[];
    readonly description: string;
    /** The signing secret (`whsec_…`), sealed. */
    readonly sealed_secret: string;
    readonly created_at: string;
  };
}

export interface WebhookSubscriptionUpdated {
  readonly type: typeof WebhookEventType.WebhookSubscriptionUpdated;
  readonly data: {
    readonly id: string;
    readonly url?: string;
    readonly events?: readonly string[];
    readonly description?: string;
    readonly updated_at: string;
  };
}

export interface WebhookSubscriptionPaused {
  readonly type: typeof WebhookEventType.WebhookSubscriptionPaused;
  readonly data: { readonly id: string; readonly paused_at: string };
}

export interface WebhookSubscriptionResumed {
  readonly type: typeof WebhookEventType.WebhookSubscriptionResumed;
  readonly data: { readonly id: string; readonly resumed_at: string };
}

/** Written by the delivery worker: the receiver answered 410, or a delivery kept failing for the retry window. */
export interface WebhookSubscriptionDisabled {
  readonly type: typeof WebhookEventType.WebhookSubscriptionDisabled;
  readonly data: { readonly id: string; readonly reason: string; readonly disabled_at: string };
}

/** A new secret signs from now on; the previous one also signs until `previous_expires_at` (the overlap). */
export interface WebhookSecretRotated {
  readonly type: typeof WebhookEventType.WebhookSecretRotated;
  readonly data: { readonly id: string; readonly sealed_secret: string; readonly previous_expires_at: string; readonly rotated_at: string };
}

export interface WebhookSubscriptionDeleted {
  readonly type: typeof WebhookEventType.WebhookSubscriptionDeleted;
  readonly data: { readonly id: string; readonly deleted_at: string };
}

export type WebhookEvent =
  | WebhookSubscriptionCreated
  | WebhookSubscriptionUpdated
  | WebhookSubscriptionPaused
  | WebhookSubscriptionResumed
  | WebhookSubscriptionDisabled
  | WebhookSecretRotated
  | WebhookSubscriptionDeleted;

export const WEBHOOK_STREAM_PREFIX = 'webhook-';
export const webhookStream = (id: string) => `${WEBHOOK_STREAM_PREFIX}${id}`;
