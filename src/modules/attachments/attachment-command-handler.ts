import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { AttachmentCommand, AttachmentState, attachmentDecider } from './attachment.decider';
import { AttachmentEvent, attachmentStream } from './attachment.events';

/** The attachment aggregate's command path: `attachment-<id>` streams decided by attachmentDecider. */
@Injectable()
export class AttachmentCommandHandler extends DeciderCommandHandler<AttachmentCommand, AttachmentState, AttachmentEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: attachmentStream, decider: attachmentDecider });
  }
}
