import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { WebhookCommand, WebhookState, webhookDecider } from './webhook.decider';
import { WebhookEvent, webhookStream } from './webhook.events';

/** The webhook subscription aggregate's command path: `webhook-<id>` streams decided by webhookDecider. */
@Injectable()
export class WebhookCommandHandler extends DeciderCommandHandler<WebhookCommand, WebhookState, WebhookEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: webhookStream, decider: webhookDecider });
  }
}
