import { EventStore } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointStore } from './checkpoint-store';
import { liveNames, renamingDatabase } from './generations';
import { ParkedEvents } from './parked-events';
import { Projection } from './projection';

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies parked events of the live model again (all of them, or the one with `eventId`), each in its own
 * transaction with its unparking; one that still fails stays parked with the new error. The events are read
 * back from the store by stream and revision, so this works on every adapter. They are applied after events
 * that came later in the log: a projection with policy `skip-and-park` must accept that.
 */
export async function retryParked(
  store: EventStore,
  db: SqliteDatabase,
  projection: Projection,
  eventId?: string,
): Promise<{ applied: string[]; failed: { eventId: string; error: string }[] }> {
  const live = new CheckpointStore(db).get(projection.name);
  const parked = new ParkedEvents(db);
  const outcome = { applied: [] as string[], failed: [] as { eventId: string; error: string }[] };
  if (!live) return outcome;
  projection.init(renamingDatabase(db, liveNames(db, projection)));
  for (const entry of parked.list(projection.name, live.generation).filter((p) => !eventId || p.eventId === eventId)) {
    const [event] = await store.readStream(entry.stream, { fromRevision: entry.revision, maxCount: 1 });
    try {
      if (!event || event.id !== entry.eventId) throw new Error(`the event is no longer at ${entry.stream}@${entry.revision}`);
      db.transaction(() => {
        projection.apply(event);
        parked.unpark(projection.name, live.generation, entry.eventId);
      }).immediate();
      outcome.applied.push(entry.eventId);
    } catch (error) {
      if (event) parked.park(projection.name, live.generation, event, errorText(error));
      outcome.failed.push({ eventId: entry.eventId, error: errorText(error) });
    }
  }
  return outcome;
}

/**
 * An operator's decision to go past the event a halted projection is stuck on: it is parked, and the runner
 * (which looks for it in the parked events before halting again) skips it at its next attempt. A halted
 * rebuild is looked at first, then the live model.
 */
export async function skipHaltingEvent(store: EventStore, db: SqliteDatabase, projection: Projection): Promise<string | undefined> {
  const checkpoints = new CheckpointStore(db);
  const rebuild = checkpoints.rebuild(projection.name);
  const live = checkpoints.get(projection.name);
  const stuck = rebuild?.lastError ? rebuild : live?.lastError ? live : undefined;
  if (!stuck) return undefined;
  const [event] = await store.readAll({ fromPosition: stuck.position, maxCount: 1 });
  if (!event) return undefined;
  new ParkedEvents(db).park(projection.name, stuck.generation, event, `skipped by an operator after: ${stuck.lastError}`);
  return `${event.type} ${event.id} at position ${event.position.commit}${stuck === rebuild ? ` (rebuild of generation ${rebuild.generation})` : ''}`;
}
