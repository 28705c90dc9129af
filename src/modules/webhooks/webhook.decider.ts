import { assertNever } from '../../platform/command/assert-never';
import { DomainError } from '../../platform/command/domain-error';
import { WebhookEvent, WebhookEventType } from './webhook.events';

/**
 * A pure decider for one webhook subscription. Staff commands are refused with a DomainError when they make
 * no sense (an unknown or deleted subscription is 404 to everyone, another company's too). `Disable` comes
 * from the delivery worker: a fact about the receiver, never refused, and nothing when already not active.
 */
export type WebhookStatus = 'active' | 'paused' | 'disabled';

export type WebhookState =
  | { readonly status: 'none' | 'deleted' }
  | {
      readonly status: WebhookStatus;
      readonly id: string;
      readonly companyId: string;
      readonly url: string;
      readonly events: readonly string[];
      readonly description: string;
    };

export const initialWebhookState: WebhookState = { status: 'none' };

export type WebhookCommand =
  | {
      readonly kind: 'Create';
      readonly id: string;
      readonly companyId: string;
      readonly url: string;
      readonly events: readonly string[];
      readonly description: string;
      readonly sealedSecret: string;
      readonly now: string;
    }
  | {
      readonly kind: 'Update';
      readonly companyId: string;
      readonly url?: string;
      readonly events?: readonly string[];
      readonly description?: string;
      readonly now: string;
    }
  | { readonly kind: 'Pause'; readonly companyId: string; readonly now: string }
  | { readonly kind: 'Resume'; readonly companyId: string; readonly now: string }
  | { readonly kind: 'Disable'; readonly reason: string; readonly now: string }
  | {
      readonly kind: 'RotateSecret';
      readonly companyId: string;
      readonly sealedSecret: string;
      readonly previousExpiresAt: string;
      readonly now: string;
    }
  | { readonly kind: 'Delete'; readonly companyId: string; readonly now: string };

type Live = Extract<WebhookState, { id: string }>;

function live(state: WebhookState, companyId: string | undefined): Live {
  // Another company's subscription is as unknown as a missing one: its existence is not theirs to learn.
  if (!('id' in state) || (companyId !== undefined && state.companyId !== companyId)) {
    throw new DomainError('not_found', 'No such webhook subscription');
  }
  return state;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  switch (command.kind) {
    case 'Create': {
      if (state.status !== 'none') throw new DomainError('conflict', `The webhook subscription ${command.id} exists already`);
      const { id, companyId, url, events, description, sealedSecret, now } = command;
      return [
        {
          type: WebhookEventType.WebhookSubscriptionCreated,
          data: { id, company_id: companyId, url, events, description, sealed_secret: sealedSecret, created_at: now },
        },
      ];
    }
    case 'Update': {
      const s = live(state, command.companyId);
      const changes = {
        ...(command.url !== undefined && command.url !== s.url ? { url: command.url } : {}),
        ...(command.events !== undefined && !sameList(command.events, s.events) ? { events: command.events } : {}),
        ...(command.description !== undefined && command.description !== s.description ? { description: command.description } : {}),
      };
      if (Object.keys(changes).length === 0) return [];
      return [{ type: WebhookEventType.WebhookSubscriptionUpdated, data: { id: s.id, ...changes, updated_at: command.now } }];
    }
    case 'Pause': {
      const s = live(state, command.companyId);
      if (s.status === 'paused') return [];
      if (s.status === 'disabled') throw new DomainError('conflict', 'The subscription is disabled; resume it to deliver again');
      return [{ type: WebhookEventType.WebhookSubscriptionPaused, data: { id: s.id, paused_at: command.now } }];
    }
    case 'Resume': {
      const s = live(state, command.companyId);
      if (s.status === 'active') return [];
      return [{ type: WebhookEventType.WebhookSubscriptionResumed, data: { id: s.id, resumed_at: command.now } }];
    }
    case 'Disable': {
      if (state.status !== 'active') return [];
      return [
        { type: WebhookEventType.WebhookSubscriptionDisabled, data: { id: state.id, reason: command.reason, disabled_at: command.now } },
      ];
    }
    case 'RotateSecret': {
      const s = live(state, command.companyId);
      return [
        {
          type: WebhookEventType.WebhookSecretRotated,
          data: { id: s.id, sealed_secret: command.sealedSecret, previous_expires_at: command.previousExpiresAt, rotated_at: command.now },
        },
      ];
    }
    case 'Delete': {
      const s = live(state, command.companyId);
      return [{ type: WebhookEventType.WebhookSubscriptionDeleted, data: { id: s.id, deleted_at: command.now } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case WebhookEventType.WebhookSubscriptionCreated: {
      const d = event.data;
      return { status: 'active', id: d.id, companyId: d.company_id, url: d.url, events: d.events, description: d.description };
    }
    case WebhookEventType.WebhookSubscriptionUpdated: {
      if (!('id' in state)) return state;
      const d = event.data;
      return { ...state, url: d.url ?? state.url, events: d.events ?? state.events, description: d.description ?? state.description };
    }
    case WebhookEventType.WebhookSubscriptionPaused:
      return 'id' in state ? { ...state, status: 'paused' } : state;
    case WebhookEventType.WebhookSubscriptionResumed:
      return 'id' in state ? { ...state, status: 'active' } : state;
    case WebhookEventType.WebhookSubscriptionDisabled:
      return 'id' in state ? { ...state, status: 'disabled' } : state;
    case WebhookEventType.WebhookSecretRotated:
      return state;
    case WebhookEventType.WebhookSubscriptionDeleted:
      return { status: 'deleted' };
    default:
      return assertNever(event);
  }
}

export const webhookDecider = { initialState: initialWebhookState, evolve: evolveWebhook, decide: decideWebhook };
