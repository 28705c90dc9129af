import { RecordedEvent } from '../event-store/event-store.port';
import { SqliteDatabase } from '../sqlite/sqlite-database';

/**
 * A read model fed from the global log. The runner calls `apply` inside a transaction that also saves the
 * checkpoint, so the model and its position never disagree. `apply` must be synchronous, ignore event types
 * it does not know, and leave the model unchanged when it sees an event it has already applied.
 */
export interface Projection {
  readonly name: string;
  /** Bump when the model's shape or meaning changes: the model is then rebuilt from the start. */
  readonly version: number;
  /** Creates tables and prepares statements. Called once before the first `apply`. */
  init(db: SqliteDatabase): void;
  apply(event: RecordedEvent): void;
  /** Empties the model, for a rebuild from the start. */
  reset(): void;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
