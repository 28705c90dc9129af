/**
 * Runs async work one at a time per key, inside this process. Command handlers lock on the stream name so
 * that concurrent requests for one ticket do not all read the same revision and then fight over it
 * (each conflict costs a re-read); across processes the expected revision still decides.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nothing else queued behind us, so the map does not grow with every ticket.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
