import { AllStreamSubscription } from '@eventstore/db-client';
import { Position, RecordedEvent, Subscription, comparePositions } from './event-store.port';
import { BackoffOptions, backoffDelay, isUnavailable, toRecorded } from './eventstoredb.mapping';

export interface ResubscribeOptions extends BackoffOptions {
  /** Told about each reconnect; the subscription itself retries for as long as it is open. */
  readonly onRetry?: (attempt: number, error: unknown) => void;
}

const CLOSED = Symbol('closed');

/**
 * A catch-up subscription to `$all` that survives the server going away: on unavailability it subscribes again
 * from the position of the last event it DELIVERED (the start is exclusive), never from a checkpoint or from an
 * event still sitting in the client's buffer, so nothing is skipped and nothing comes twice.
 * `open(from)` must exclude system events on the server (a filter), so every event it yields is ours to deliver.
 */
export function resubscribingSubscription(
  open: (from: Position | undefined) => AllStreamSubscription,
  fromPosition: Position | undefined,
  options: ResubscribeOptions = {},
): Subscription {
  let closed = false;
  let signalClosed!: (value: typeof CLOSED) => void;
  const whenClosed = new Promise<typeof CLOSED>((resolve) => (signalClosed = resolve));
  let current: AllStreamSubscription | undefined;

  async function* run(): AsyncGenerator<RecordedEvent> {
    let position = fromPosition;
    let attempt = 0;
    while (!closed) {
      const subscription = (current = open(position));
      subscription.on('confirmation', () => (attempt = 0));
      const iterator: AsyncIterator<{ event?: Parameters<typeof toRecorded>[0] }> = subscription[Symbol.asyncIterator]();
      try {
        for (;;) {
          // Raced with close(): a cancelled gRPC call does not always end the client's stream.
          const next = await Promise.race([iterator.next(), whenClosed]);
          if (next === CLOSED || next.done) break;
          if (!next.value.event) continue;
          const event = toRecorded(next.value.event);
          // A server may replay its start event; the port promises each event once.
          if (position && comparePositions(event.position, position) <= 0) continue;
          position = event.position;
          attempt = 0;
          yield event;
        }
      } catch (error) {
        if (closed) return;
        if (!isUnavailable(error)) throw error;
        options.onRetry?.(attempt + 1, error);
      } finally {
        await release(subscription);
      }
      if (closed) return;
      // Ended or dropped: wait, then resubscribe after the last delivered event.
      await sleepUnlessClosed(backoffDelay(attempt++, options));
    }
  }

  async function sleepUnlessClosed(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), whenClosed]);
    clearTimeout(timer);
  }

  const iterator = run();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      signalClosed(CLOSED);
      if (current) await release(current);
    },
  };
}

async function release(subscription: AllStreamSubscription): Promise<void> {
  await subscription.unsubscribe().catch(() => undefined);
  subscription.destroy();
}
