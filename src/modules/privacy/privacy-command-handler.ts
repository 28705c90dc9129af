import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { EraseSubject, PrivacyState, privacyDecider } from './erasure.decider';
import { PrivacyEvent, privacyStream } from './privacy.events';

/** A company's privacy stream (`privacy-<company_id>`), decided by privacyDecider, chained like every stream. */
@Injectable()
export class PrivacyCommandHandler extends DeciderCommandHandler<EraseSubject, PrivacyState, PrivacyEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: privacyStream, decider: privacyDecider });
  }
}
