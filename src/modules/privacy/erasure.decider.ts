import { Decider } from '../../platform/command/command-handler';
import { DataSubjectErased, PrivacyEvent } from './privacy.events';

export interface EraseSubject {
  readonly kind: 'EraseSubject';
  readonly data: DataSubjectErased['data'];
}

/** A company's erasures so far, by subject digest: the first one's record (an erasure is asked once, repeats are no-ops). */
export interface PrivacyState {
  readonly erased: ReadonlyMap<string, DataSubjectErased['data']>;
}

export const privacyDecider: Decider<EraseSubject, PrivacyState, PrivacyEvent> = {
  initialState: { erased: new Map() },
  evolve(state, event) {
    if (event.type !== 'DataSubjectErased') return state;
    const erased = new Map(state.erased);
    if (!erased.has(event.data.subject_digest)) erased.set(event.data.subject_digest, event.data);
    return { erased };
  },
  decide(command, state) {
    if (state.erased.has(command.data.subject_digest)) return [];
    return [{ type: 'DataSubjectErased', data: command.data }];
  },
};
