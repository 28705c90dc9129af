import { appendSize } from './event-store.port';
import { toWireMetadata } from './eventstoredb.mapping';

describe('appendSize', () => {
  it('counts what the EventStoreDB adapter sends: JSON data, wire metadata (with $correlationId/$causationId) and the type in UTF-16', () => {
    const metadata = { correlationId: 'corr-ü', causationId: 'cause', actor: { type: 'system' as const, id: 'x' } };
    const event = { type: 'TicketCreated', data: { text: 'ünïcødé <b>' }, metadata };
    const expected =
      Buffer.byteLength(JSON.stringify(event.data)) +
      Buffer.byteLength(JSON.stringify(toWireMetadata(metadata))) +
      'TicketCreated'.length * 2;
    expect(appendSize([event])).toBe(expected);
    expect(appendSize([event, event])).toBe(2 * expected);
    expect(appendSize([{ type: 'T', data: {} }])).toBe(2 + 2 + 2);
  });
});
