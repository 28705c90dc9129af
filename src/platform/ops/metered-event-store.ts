import {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  WrongExpectedVersionError,
  decorateAppend,
} from '../event-store/event-store.port';
import { Metrics } from './metrics';

/** The configured adapter with its appends counted (ok, conflict, error); everything else passes through. */
export function meteredEventStore(store: EventStore, metrics: Metrics): EventStore {
  const wrapped = decorateAppend(
    store,
    async (stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> => {
      try {
        const result = await store.append(stream, events, options);
        metrics.appends.inc({ result: 'ok' });
        metrics.eventsAppended.inc(events.length);
        return result;
      } catch (error) {
        metrics.appends.inc({ result: error instanceof WrongExpectedVersionError ? 'conflict' : 'error' });
        throw error;
      }
    },
  );
  // A numbered append (a ticket's create) is an append too: counted the same way.
  if (store.appendNumbered) {
    wrapped.appendNumbered = async (stream, claim, options) => {
      try {
        let built = 0;
        const counted = {
          ...claim,
          build: (n: number) => {
            const events = claim.build(n);
            built = events.length;
            return events;
          },
        };
        const result = await store.appendNumbered!(stream, counted, options);
        metrics.appends.inc({ result: 'ok' });
        metrics.eventsAppended.inc(built);
        return result;
      } catch (error) {
        metrics.appends.inc({ result: error instanceof WrongExpectedVersionError ? 'conflict' : 'error' });
        throw error;
      }
    };
  }
  return wrapped;
}
