import { EventStore, Position } from '../../platform/event-store/event-store.port';
import { isKeyed } from '../../platform/event-store/hash-chain';

const BATCH = 1000;

/**
 * The global position of the log's first keyed (scheme 2) event: the moment this store's writers started
 * keying their links. An unkeyed event after it cannot come from the service (a downgrade forgery), which a
 * check of one stream alone would not see when the forger writes a whole new stream. Found by one walk of the
 * legacy events and then remembered: a keyed event cannot be forged, and removing it breaks its stream.
 * The walk resumes where it stopped while no keyed event exists yet (a store not written since the upgrade).
 */
export class KeyedFrom {
  private found?: Position;
  private scannedTo?: Position;

  constructor(private readonly store: EventStore) {}

  async position(): Promise<Position | undefined> {
    while (!this.found) {
      const batch = await this.store.readAll({ fromPosition: this.scannedTo, maxCount: BATCH });
      for (const event of batch) {
        if (isKeyed(event)) return (this.found = event.position);
        this.scannedTo = event.position;
      }
      if (batch.length < BATCH) return undefined;
    }
    return this.found;
  }
}
