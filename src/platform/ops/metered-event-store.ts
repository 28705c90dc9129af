import { AppendResult, EventStore, ExpectedRevision, NewEvent, WrongExpectedVersionError } from '../event-store/event-store.port';
import { Metrics } from './metrics';

/** The configured adapter with its appends counted (ok, conflict, error); everything else passes through. */
export function meteredEventStore(store: EventStore, metrics: Metrics): EventStore {
  return {
    async append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
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
    ...(store.appendNumbered
      ? {
          appendNumbered: async (stream, claim, options) => {
            try {
              const result = await store.appendNumbered!(stream, claim, options);
              metrics.appends.inc({ result: 'ok' });
              return result;
            } catch (error) {
              metrics.appends.inc({ result: error instanceof WrongExpectedVersionError ? 'conflict' : 'error' });
              throw error;
            }
          },
        }
      : {}),
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    ...(store.countAfter ? { countAfter: (position, limit) => store.countAfter!(position, limit) } : {}),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
