import { SpanKind } from '@opentelemetry/api';
import {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  WrongExpectedVersionError,
  decorateAppend,
} from '../event-store/event-store.port';
import { inSpan } from './trace-context';

/**
 * The configured adapter with a span around every append, the same on every adapter (SQLite, memory,
 * EventStoreDB): `event_store.append`, a client span under the command's, naming the stream, the expected
 * revision and the events, and the position written. A concurrency conflict is marked with its error type but
 * not as a failure: the command path reads again and retries. Reads pass through untraced (one per command
 * attempt, visible as the gap before the append).
 */
export function tracedEventStore(store: EventStore, adapter: string): EventStore {
  const wrapped = decorateAppend(
    store,
    (stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> => {
      const attributes = {
        'db.system.name': adapter,
        'db.operation.name': 'append',
        'lead.stream': stream,
        'lead.event_store.expected_revision': String(options.expectedRevision),
        'lead.event_store.event_count': events.length,
        'lead.event_store.event_types': [...new Set(events.map((e) => e.type))],
      };
      const expected = (error: unknown) => error instanceof WrongExpectedVersionError;
      return inSpan('event_store.append', { kind: SpanKind.CLIENT, attributes, expected }, async (span) => {
        const result = await store.append(stream, events, options);
        span.setAttributes({
          'lead.event_store.next_revision': String(result.nextExpectedRevision),
          'lead.event_store.commit_position': String(result.position.commit),
        });
        return result;
      });
    },
  ); // A numbered append (a ticket's create) gets the same span; its events are known once the number is.
  if (store.appendNumbered) {
    wrapped.appendNumbered = (stream, claim, options) => {
      const attributes = {
        'db.system.name': adapter,
        'db.operation.name': 'append',
        'lead.stream': stream,
        'lead.event_store.expected_revision': String(options.expectedRevision),
        'lead.event_store.sequence': claim.sequence,
      };
      const expected = (error: unknown) => error instanceof WrongExpectedVersionError;
      return inSpan('event_store.append', { kind: SpanKind.CLIENT, attributes, expected }, async (span) => {
        // The events exist once the number is decided (inside the store's transaction): named as they are built.
        const build = (n: number) => {
          const events = claim.build(n);
          span.setAttributes({
            'lead.event_store.event_count': events.length,
            'lead.event_store.event_types': [...new Set(events.map((e) => e.type))],
          });
          return events;
        };
        const result = await store.appendNumbered!(stream, { ...claim, build }, options);
        span.setAttributes({
          'lead.event_store.next_revision': String(result.nextExpectedRevision),
          'lead.event_store.commit_position': String(result.position.commit),
        });
        return result;
      });
    };
  }
  return wrapped;
}
