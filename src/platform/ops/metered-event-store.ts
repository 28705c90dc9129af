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
  return decorateAppend(
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
}
