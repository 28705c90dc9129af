import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

/**
 * What a projection does with an event its `apply` throws on (docs/operations.md "Poison events"):
 * - `halt`: stop at that event and retry it with backoff until it applies; nothing after it is applied, so a
 *   model whose meaning depends on order (ticket numbers) never skips one. Status and readiness show it.
 * - `skip-and-park`: record the event and its error in `projection_parked` and go on; an operator retries it
 *   later (`npm run projections -- retry <name>`).
 */
export type PoisonPolicy = 'halt' | 'skip-and-park';

/**
 * A read model fed from the global log. The runner calls `apply` inside a transaction that also saves the
 * checkpoint, so the model and its position never disagree. `apply` must be synchronous, ignore event types
 * it does not know, and leave the model unchanged when it sees an event it has already applied.
 *
 * A new version is built beside the live one (blue/green): `init` is then given a database handle that
 * renames the names listed in `tables` (and their indexes) to the new generation's, so the projection's SQL
 * stays as it is. Keep every SQL statement of the projection inside `init`/`apply`/`reset` and on that handle.
 */
export interface Projection {
  readonly name: string;
  /** Bump when the model's shape or meaning changes: a new generation is then built beside the live one. */
  readonly version: number;
  /**
   * Every table `init` creates (their indexes are found by the runner; listing them too is harmless).
   * Required: the runner refuses a projection without it.
   */
  readonly tables: readonly string[];
  /** Default `halt`. */
  readonly onError?: PoisonPolicy;
  /** Creates tables and prepares statements, on the handle it is given. Called before the first `apply`. */
  init(db: SqliteDatabase): void;
  apply(event: RecordedEvent): void;
  /** Empties the model (tests; the runner rebuilds into new tables instead). */
  reset(): void;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/** The projection classes (no constructor arguments), in feeding order: what a rebuild instantiates afresh. */
export const PROJECTION_CLASSES = Symbol('PROJECTION_CLASSES');
