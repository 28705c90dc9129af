import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { FormCommand, FormState, formDecider } from './form.decider';
import { FormEvent, formStream } from './form.events';

/** A form's stream is named by its application and slug: `form-<application_id>-<slug>`. */
export interface FormId {
  readonly applicationId: string;
  readonly slug: string;
}

/** The form aggregate's command path: definition and submissions, decided by formDecider. */
@Injectable()
export class FormCommandHandler extends DeciderCommandHandler<FormCommand, FormState, FormEvent, FormId> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super(
      { store, lock, chain, readYourWrites },
      { streamOf: ({ applicationId, slug }) => formStream(applicationId, slug), decider: formDecider },
    );
  }
}
