import { EventStore } from '../src/platform/event-store/event-store.port';
import { TestApp, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';

describe('graceful shutdown (end to end)', () => {
  let t: TestApp;
  afterAll(async () => t.dispose());

  it('a write in flight when the service is told to stop completes 2xx, and its event is in the model after a restart', async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const url = `${await t.app.getUrl()}${BASE}/ticket/`;
    // Hold the write in the store for a moment, so that it is surely in flight when the shutdown begins.
    const store = t.store as { append: EventStore['append']; appendNumbered?: EventStore['appendNumbered'] };
    const append = store.append.bind(store);
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    store.append = async (...args) => {
      arrived();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return append(...args);
    };
    // A create takes its ticket number in a numbered append where the store has one (the embedded stores).
    const appendNumbered = store.appendNumbered?.bind(store);
    if (appendNumbered) {
      store.appendNumbered = async (...args) => {
        arrived();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return appendNumbered(...args);
      };
    }
    const response = fetch(url, {
      method: 'POST',
      headers: { ...storefrontAuth('a'), 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'order-issue', content: { title: 'Sent just before the shutdown' } }),
    });
    await inFlight;
    const stopping = t.app.close(); // what SIGTERM does (enableShutdownHooks)
    const answer = await response;
    expect(answer.status).toBe(201);
    const ticket = (await answer.json()) as { _id: string; ticket_id: string; access_key: string };
    await stopping;
    // Stopped accepting: a new connection is refused.
    await expect(fetch(url)).rejects.toThrow();

    t = await startTestApp({}, t.dir);
    const read = await t.app.inject({
      method: 'GET',
      url: `${BASE}/ticket/${ticket._id}`,
      headers: { ...storefrontAuth('a'), 'x-ticket-access-key': ticket.access_key },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json().ticket_id).toBe(ticket.ticket_id);
  });
});
