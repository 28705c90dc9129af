import { Position, RecordedEvent, START, Subscription } from './event-store.port';

/** Something that says "new events may be there"; the embedded stores emit it after each commit. */
export interface AppendNotifier {
  onAppended(listener: () => void): () => void;
}

/**
 * Catch-up-then-live subscription over `readAll`, for the embedded stores. It always reads strictly after the
 * last delivered position, so catching up and going live are the same loop: no gap, no duplicate, whatever
 * the timing of concurrent appends. A commit notification wakes it; a slow poll is the safety net for writes
 * that another process (the CLI) makes to the same file.
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

  async function* run(): AsyncGenerator<RecordedEvent> {
    let position = fromPosition;
    try {
      while (!closed) {
        dirty = false;
        const batch = await readAll(position, batchSize);
        for (const event of batch) {
          if (closed) return;
          yield event;
          position = event.position;
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

  const iterator = run();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      wake?.();
      unsubscribe();
    },
  };
}
