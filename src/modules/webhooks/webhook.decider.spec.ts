import { deciderSpecification } from '../../../test/support/decider-specification';
import { WebhookEvent, WebhookEventType } from './webhook.events';
import { webhookDecider } from './webhook.decider';

const spec = deciderSpecification(webhookDecider);
const now = '2026-01-01T00:00:00.000Z';
const created: WebhookEvent = {
  type: WebhookEventType.WebhookSubscriptionCreated,
  data: {
    id: 'wh_1',
    company_id: '1',
    url: 'https://a.example/h',
    events: ['*'],
    description: '',
    sealed_secret: 'v1:x:y:z',
    created_at: now,
  },
};
const paused: WebhookEvent = { type: WebhookEventType.WebhookSubscriptionPaused, data: { id: 'wh_1', paused_at: now } };
const disabled: WebhookEvent = {
  type: WebhookEventType.WebhookSubscriptionDisabled,
  data: { id: 'wh_1', reason: 'gone', disabled_at: now },
};
const deleted: WebhookEvent = { type: WebhookEventType.WebhookSubscriptionDeleted, data: { id: 'wh_1', deleted_at: now } };

describe('webhook subscription decider', () => {
  it('creates once', () => {
    spec
      .given()
      .when({
        kind: 'Create',
        id: 'wh_1',
        companyId: '1',
        url: 'https://a.example/h',
        events: ['*'],
        description: '',
        sealedSecret: 'v1:x:y:z',
        now,
      })
      .then([created]);
    spec
      .given([created])
      .when({
        kind: 'Create',
        id: 'wh_1',
        companyId: '1',
        url: 'https://b.example/h',
        events: ['*'],
        description: '',
        sealedSecret: 's',
        now,
      })
      .thenRefuses('conflict');
  });

  it("answers another company's subscription, a missing one and a deleted one as not found", () => {
    spec.given([created]).when({ kind: 'Pause', companyId: '2', now }).thenRefuses('not_found');
    spec.given().when({ kind: 'Update', companyId: '1', url: 'https://x.example', now }).thenRefuses('not_found');
    spec.given([created, deleted]).when({ kind: 'Resume', companyId: '1', now }).thenRefuses('not_found');
    spec
      .given([created, deleted])
      .when({ kind: 'RotateSecret', companyId: '1', sealedSecret: 's', previousExpiresAt: now, now })
      .thenRefuses('not_found');
  });

  it('updates only what changes', () => {
    spec
      .given([created])
      .when({ kind: 'Update', companyId: '1', url: 'https://a.example/h', events: ['*'], now })
      .thenNothingHappens();
    spec
      .given([created])
      .when({ kind: 'Update', companyId: '1', events: ['TicketCreated'], description: 'd', now })
      .then([
        {
          type: WebhookEventType.WebhookSubscriptionUpdated,
          data: { id: 'wh_1', events: ['TicketCreated'], description: 'd', updated_at: now },
        },
      ]);
  });

  it('pauses and resumes idempotently; a disabled one is resumed, not paused', () => {
    spec.given([created]).when({ kind: 'Pause', companyId: '1', now }).then([paused]);
    spec.given([created, paused]).when({ kind: 'Pause', companyId: '1', now }).thenNothingHappens();
    spec.given([created]).when({ kind: 'Resume', companyId: '1', now }).thenNothingHappens();
    spec.given([created, disabled]).when({ kind: 'Pause', companyId: '1', now }).thenRefuses('conflict');
    spec
      .given([created, disabled])
      .when({ kind: 'Resume', companyId: '1', now })
      .then([{ type: WebhookEventType.WebhookSubscriptionResumed, data: { id: 'wh_1', resumed_at: now } }]);
  });

  it('is disabled by the worker only while active, never refused', () => {
    spec.given([created]).when({ kind: 'Disable', reason: 'gone', now }).then([disabled]);
    spec.given([created, disabled]).when({ kind: 'Disable', reason: 'again', now }).thenNothingHappens();
    spec.given([created, paused]).when({ kind: 'Disable', reason: 'gone', now }).thenNothingHappens();
    spec.given([created, deleted]).when({ kind: 'Disable', reason: 'gone', now }).thenNothingHappens();
  });

  it('rotates the secret with the end of the overlap', () => {
    spec
      .given([created])
      .when({ kind: 'RotateSecret', companyId: '1', sealedSecret: 'new', previousExpiresAt: '2026-01-02T00:00:00.000Z', now })
      .then([
        {
          type: WebhookEventType.WebhookSecretRotated,
          data: { id: 'wh_1', sealed_secret: 'new', previous_expires_at: '2026-01-02T00:00:00.000Z', rotated_at: now },
        },
      ]);
  });
});
