import { Position, RecordedEvent, START, Subscription } from './event-store.port';

/** Something that says "new events may be there"; the embedded stores emit it after each commit. */
export interface AppendNotifier {
  onAppended(listener: () => void): () => void;
}

/**
 * Catch-up-then-live subscription over `readAll`, for the embedded stores. It always reads strictly after the
 * last delivered position, so catching up and going live are the same loop: no gap, no duplicate, whatever
 * the timing of concurrent appends. A commit notification wakes it; a slow poll is the safety net for writes
 * that another process (the CLI) makes to the same file. Both iterations (per event, per batch) share it.
 */
export function pollingSubscription(
  readAll: (from: Position, maxCount: number) => Promise<RecordedEvent[]>,
  notifier: AppendNotifier,
  fromPosition: Position = START,
  options: { batchSize?: number; pollMs?: number } = {},
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 1000;
  let closed = false;
  let wake: (() => void) | undefined;
  let dirty = false;
  const unsubscribe = notifier.onAppended(() => {
    dirty = true;
    wake?.();
  });

  async function* pages(): AsyncGenerator<RecordedEvent[]> {
    let position = fromPosition;
    try {
      while (!closed) {
        dirty = false;
        const batch = await readAll(position, batchSize);
        if (closed) return;
        if (batch.length) {
          position = batch[batch.length - 1].position;
          yield batch;
        }
        if (batch.length === batchSize || dirty) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }

  async function* events(): AsyncGenerator<RecordedEvent> {
    for await (const batch of pages()) {
      for (const event of batch) {
        if (closed) return;
        yield event;
      }
    }
  }

  let used: 'events' | 'batches' | undefined;
  const once = (how: 'events' | 'batches') => {
    if (used && used !== how) throw new Error('a subscription is iterated one way only');
    used = how;
  };
  let eventIterator: AsyncGenerator<RecordedEvent> | undefined;
  let pageIterator: AsyncGenerator<RecordedEvent[]> | undefined;
  return {
    [Symbol.asyncIterator]: () => (once('events'), (eventIterator ??= events())),
    batches: () => (once('batches'), { [Symbol.asyncIterator]: () => (pageIterator ??= pages()) }),
    async close() {
      closed = true;
      wake?.();
      unsubscribe();
    },
  };
}
