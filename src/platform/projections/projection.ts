import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

/**
 * What a projection does with an event its `apply` throws on (docs/operations.md "Poison events"):
 * (applied inline, see `lifecycle`: `halt` refuses the append, nothing is stored; `skip-and-park` lets the
 * append commit without this model's rows and the async feed then parks the event.)
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
  /**
   * The event types `apply` acts on. The runner gives it no other event, and checks the type before it looks
   * at (and, on SQLite, parses) an event's data. Omit to be given every event.
   */
  readonly handles?: readonly string[];
  /**
   * `inline`: on a store that allows it (the embedded SQLite store), applied inside the append's own
   * transaction, so a write needs no wait and no second read of the log; on other stores, and whenever the
   * model is behind the log (first build, after a halt), fed like `async`. `async` (default): fed after the
   * commit from the one read of the log that all async projections share. The same definition serves both.
   * An inline model's `apply` must be cheap: it runs on the request's path, inside the write lock.
   */
  readonly lifecycle?: 'inline' | 'async';
  /**
   * Who waits for this model to show a write (read-your-writes). `write` (default): the write's answer waits
   * for it. `read`: the write answers without it, and a read of this model first waits until it shows every
   * write this process has answered (`ReadYourWrites.beforeRead`), so a costly async model delays only the reads
   * that use it, and a read after a `2xx` on this instance still sees the change.
   */
  readonly awaitedBy?: 'write' | 'read';
  /** Creates tables and prepares statements, on the handle it is given. Called before the first `apply`. */
  init(db: SqliteDatabase): void;
  apply(event: RecordedEvent): void;
  /** Empties the model (tests; the runner rebuilds into new tables instead). */
  reset(): void;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/** The projection classes (no constructor arguments), in feeding order: what a rebuild instantiates afresh. */
export const PROJECTION_CLASSES = Symbol('PROJECTION_CLASSES');
