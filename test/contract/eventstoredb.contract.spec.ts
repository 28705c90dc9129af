import { EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../../src/platform/event-store/eventstoredb.event-store';
import { startEsdbTestServer } from '../support/esdb-test-server';
import { describeEventStoreContract } from './event-store.contract';

/**
 * The one contract, through the unmodified client, against the wire-level test double: once with the server
 * advertising BatchAppend (appends share one long-lived bidi call) and once without (one Append call each).
 */
for (const batchAppend of [false, true]) {
  describeEventStoreContract(`eventstoredb via ${batchAppend ? 'Streams/BatchAppend' : 'Streams/Append'} (test server)`, async () => {
    const server = await startEsdbTestServer({ batchAppend });
    const store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString));
    return {
      store,
      dispose: async () => {
        await store.close();
        await server.stop();
      },
    };
  });
}
