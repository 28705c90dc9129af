import { RecordedEvent, Subscription } from '../event-store/event-store.port';

const IMMEDIATE = Symbol('immediate');
const turn = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(resolve, IMMEDIATE));

export interface Batch {
  readonly events: RecordedEvent[];
  /** Nothing more was at hand when the batch closed: the reader has reached the head of the log (for now). */
  readonly atHead: boolean;
}

/**
 * Groups what a subscription delivers into batches of what is already at hand (up to `max`), without waiting
 * for more to be written. Uses the adapter's batch iteration when it has one (no promise per event), else
 * the plain event iteration. One timer per batch, not per event.
 */
export async function* batchesOf(subscription: Subscription, max: number): AsyncGenerator<Batch> {
  const source: AsyncIterator<readonly RecordedEvent[] | RecordedEvent> = subscription.batches
    ? subscription.batches()[Symbol.asyncIterator]()
    : subscription[Symbol.asyncIterator]();
  const add = (into: RecordedEvent[], item: readonly RecordedEvent[] | RecordedEvent) => {
    if (Array.isArray(item)) for (const e of item) into.push(e);
    else into.push(item as RecordedEvent);
  };
  let pending = source.next();
  let atHead = false;
  for (;;) {
    let first = await Promise.race([pending, turn()]);
    if (first === IMMEDIATE) {
      // Nothing at hand: say so once (a rebuild may switch now), then wait for the next event.
      if (!atHead) yield { events: [], atHead: true };
      first = await pending;
    }
    if (first.done) return;
    const events: RecordedEvent[] = [];
    add(events, first.value);
    pending = source.next();
    atHead = false;
    const next = turn();
    while (events.length < max) {
      const item = await Promise.race([pending, next]);
      if (item === IMMEDIATE) {
        atHead = true;
        break;
      }
      if (item.done) break;
      add(events, item.value);
      pending = source.next();
    }
    yield { events, atHead };
    // Let the event loop turn between batches: a store that answers from memory (SQLite is synchronous)
    // would otherwise chain a whole catch-up in microtasks, and requests and signals would wait for its end.
    await turn();
  }
}
