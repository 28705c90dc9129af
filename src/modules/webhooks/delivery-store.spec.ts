import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { DeliveryStore, NewDelivery } from './delivery-store';

const delivery = (n: number, orderKey: string): NewDelivery => ({
  id: `d${n}`,
  subscriptionId: 's',
  eventId: `e${n}`,
  eventType: 'T',
  orderKey,
  position: String(n),
  correlationId: null,
  body: JSON.stringify({ type: 'T', timestamp: '', data: { revision: n } }),
});

const seqOf = (store: DeliveryStore, id: string) => store.get('s', id)!.seq;

describe('webhook delivery store', () => {
  const fresh = () => new DeliveryStore(openSqlite(':memory:'));

  it('moves the cursor with the deliveries it read, and reading an event twice makes one delivery', () => {
    const store = fresh();
    store.enqueue('s', [delivery(1, 'a')], { commit: 5n, prepare: 5n }, 0);
    store.enqueue('s', [delivery(1, 'a')], { commit: 6n, prepare: 6n }, 0);
    expect(store.cursor('s')).toEqual({ commit: 6n, prepare: 6n });
    expect(store.pendingCount('s')).toBe(1);
  });

  it("offers only the head of each stream's queue, so a stream waits for its earlier event", () => {
    const store = fresh();
    store.enqueue('s', [delivery(1, 'a'), delivery(2, 'b'), delivery(3, 'a'), delivery(4, 'b')], undefined, 0);
    expect(store.due('s', 0, 10).map((d) => d.id)).toEqual(['d1', 'd2']);
    const [d1] = store.due('s', 0, 10);
    store.settle(d1, 1, { statusCode: 503, durationMs: 3, error: null, status: 'pending', nextAttemptAt: 100 });
    // d1 waits for its retry: stream a is held, b goes on.
    expect(store.due('s', 50, 10).map((d) => d.id)).toEqual(['d2']);
    store.settle(store.get('s', 'd1')!, 100, { statusCode: 200, durationMs: 3, error: null, status: 'delivered', nextAttemptAt: null });
    expect(store.due('s', 100, 10).map((d) => d.id)).toEqual(['d2', 'd3']);
    expect(store.attempts('d1').map((a) => a.status_code)).toEqual([503, 200]);
    // Settling twice from the same read changes nothing the second time (the status moved on).
    store.settle(d1, 101, { statusCode: 500, durationMs: 3, error: null, status: 'failed', nextAttemptAt: null });
    expect(store.get('s', 'd1')!.status).toBe('delivered');
  });

  it('redelivers in the same place of its stream', () => {
    const store = fresh();
    store.enqueue('s', [delivery(1, 'a')], undefined, 0);
    store.settle(store.get('s', 'd1')!, 1, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    store.enqueue('s', [delivery(2, 'a')], undefined, 0);
    expect(store.redeliver('s', 'd1', 5)).toBe(true);
    expect(store.due('s', 5, 10).map((d) => d.id)).toEqual(['d1']);
    expect(store.redeliver('s', 'nope', 5)).toBe(false);
  });

  it('records the pending deliveries a next owner needs, in log order, with their retry state; pings are not in it', () => {
    const store = fresh();
    const body = (revision: number) => JSON.stringify({ type: 'T', timestamp: '', data: { revision } });
    store.enqueue(
      's',
      [
        { ...delivery(1, 'ticket-a'), body: body(0) },
        { ...delivery(2, 'ticket-b'), body: body(4) },
      ],
      undefined,
      0,
    );
    store.enqueue('s', [{ ...delivery(3, 'ping:x'), position: null }], undefined, 0);
    store.settle(store.get('s', 'd2')!, 7, { statusCode: 500, durationMs: 1, error: null, status: 'pending', nextAttemptAt: 70 });
    expect(store.pendingEntries('s')).toEqual([
      ['ticket-a', 0, 'd1', 0, null, 0],
      ['ticket-b', 4, 'd2', 1, 7, 70],
    ]);
    store.settle(store.get('s', 'd1')!, 8, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    expect(store.pendingEntries('s').map((e) => e[2])).toEqual(['d2']);
  });

  it("adopts a lease stream's cursor: drops what another owner settled, restores its pending ones, keeps what it settled itself and redeliveries", () => {
    const store = fresh();
    // This instance read e1..e4 earlier: e1 delivered here, e2 and e3 pending, e4 redelivered on request here.
    store.enqueue('s', [delivery(1, 'a'), delivery(2, 'b'), delivery(3, 'c'), delivery(4, 'd')], { commit: 4n, prepare: 4n }, 0);
    store.settle(store.get('s', 'd1')!, 1, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    store.settle(store.get('s', 'd4')!, 1, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    store.redeliver('s', 'd4', 2);
    expect(store.redeliveriesWaiting('s')).toBe(1);
    // The stream says: read up to 6; pending: e1 (this instance's 2xx never reached the stream), e3 retrying, e5.
    const adopted = (n: number, attempts: number, firstAt: number | null, nextAt: number) => ({
      ...delivery(n, 'x'),
      id: `other${n}`,
      attempts,
      firstAt,
      nextAt,
    });
    store.adopt('s', { commit: 6n, prepare: 6n }, [adopted(1, 0, null, 0), adopted(3, 2, 10, 50), adopted(5, 0, null, 0)], 20);
    expect(store.cursor('s')).toEqual({ commit: 6n, prepare: 6n });
    expect(store.get('s', 'd1')!.status).toBe('delivered'); // not sent again
    expect(store.get('s', 'd2')).toBeUndefined(); // settled by the other owner
    expect(store.get('s', 'd3')).toBeUndefined(); // replaced by the stream's record of it
    expect(store.get('s', 'other3')).toMatchObject({ status: 'pending', attempts: 2, first_attempt_at: 10, next_attempt_at: 50 });
    expect(store.get('s', 'other5')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(store.get('s', 'd4')!.status).toBe('pending'); // the redelivery asked here stays
    expect(store.pendingEntries('s').map((e) => e[2])).toEqual(
      ['d4', 'other3', 'other5'].sort((a, b) => seqOf(store, a) - seqOf(store, b)),
    );
  });

  it('purges settled deliveries older than the cutoff with their attempts, never a pending one', () => {
    const store = fresh();
    store.enqueue('s', [delivery(1, 'a'), delivery(2, 'b'), delivery(3, 'c')], undefined, 0);
    store.settle(store.get('s', 'd1')!, 1, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    store.settle(store.get('s', 'd2')!, 1, { statusCode: 400, durationMs: 1, error: null, status: 'failed', nextAttemptAt: null });
    store.enqueue('s', [delivery(4, 'a')], undefined, 1000);
    store.settle(store.get('s', 'd4')!, 1001, { statusCode: 200, durationMs: 1, error: null, status: 'delivered', nextAttemptAt: null });
    expect(store.purge(500)).toBe(2);
    expect(['d1', 'd2', 'd3', 'd4'].map((id) => store.get('s', id)?.status ?? null)).toEqual([null, null, 'pending', 'delivered']);
    expect(store.attempts('d1')).toEqual([]);
    expect(store.attempts('d4')).toHaveLength(1);
  });
});
