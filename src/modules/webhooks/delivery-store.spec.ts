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
  body: '{}',
});

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

  it('leases a subscription to one owner until the lease expires or its owner is known gone', () => {
    const store = fresh();
    expect(store.takeLease('s', 'A', 1000, 0)).toBe(true);
    expect(store.takeLease('s', 'B', 1000, 500)).toBe(false);
    expect(store.takeLease('s', 'A', 1000, 900)).toBe(true); // renewed
    expect(store.takeLease('s', 'B', 1000, 1500)).toBe(false);
    expect(store.takeLease('s', 'B', 1000, 1901)).toBe(true); // expired
    expect(store.takeLease('s', 'C', 1000, 1902, 'A')).toBe(false); // A is not the holder any more
    expect(store.takeLease('s', 'C', 1000, 1902, 'B')).toBe(true);
    store.releaseLease('s', 'C');
    expect(store.leaseOf('s')).toBeUndefined();
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
