import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { EVENT_STORE, EventStore, Position, StoreUnavailableError, comparePositions } from '../event-store/event-store.port';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

/**
 * Work outside the projections that follows the log and whose result a write's answer should show too (the
 * SLA processor, which appends each ticket's SLA events). `caughtUp` resolves once the follower has dealt
 * with everything up to `position`; it never rejects, and bounds its own wait (a follower that is stuck
 * must not turn stored writes into errors: the answer then shows its result late, as before).
 */
export interface LogFollower {
  caughtUp(position: Position, scope?: WriteScope): Promise<void>;
}

/** Whose write is waited for: a follower that has nothing to do for that company may answer at once. */
export interface WriteScope {
  readonly companyId?: string;
}

const awaitedByWrites = (p: Projection) => (p.awaitedBy ?? 'write') === 'write';
/** Whether the model acts on any of these event types (a model that does not cannot show anything of the write). */
const handlesAny = (p: Projection, types: readonly string[]) => p.handles === undefined || types.some((t) => p.handles!.includes(t));

/**
 * A GET right after a 2xx on this instance sees the change. A write answers once the models awaited by writes
 * that handle what it appended show it (on the embedded store the inline ones already do, so it waits for
 * nothing), and once the registered followers (the SLA processor, for companies with SLA configuration) have
 * followed it; a model awaited by reads (`awaitedBy: 'read'`) is waited for by its reads instead, up to the
 * last write this instance answered.
 */
@Injectable()
export class ReadYourWrites implements OnApplicationBootstrap {
  /**
   * The last position a write of this process was answered at; at start, the end of the log, so that a read
   * after a restart sees what was answered before it (a model awaited by reads may still be catching up).
   */
  private written: Position | undefined;
  private readonly followers = new Set<LogFollower>();

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const end = await this.store.lastPosition();
    if (end && (!this.written || comparePositions(end, this.written) > 0)) this.written = end;
  }

  /** A follower that writes must not wait for itself: its `caughtUp` answers at once for its own appends. */
  register(follower: LogFollower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  /** `types`: the event types the write appended (omit: every model awaited by writes); `scope`: whose write. */
  async waitFor(position: Position, types?: readonly string[], scope?: WriteScope): Promise<void> {
    if (!this.written || comparePositions(position, this.written) > 0) this.written = position;
    await this.wait(position, types ? (p) => awaitedByWrites(p) && handlesAny(p, types) : awaitedByWrites);
    for (const follower of this.followers) await follower.caughtUp(position, scope);
  }

  /** Before a read of `projection` (awaited by reads): until it shows every write this process has answered. */
  async beforeRead(projection: string): Promise<void> {
    if (this.written) await this.wait(this.written, (p) => p.name === projection);
  }

  private async wait(position: Position, only: (p: Projection) => boolean): Promise<void> {
    if (await this.runner.waitFor(position, this.settings.readYourWritesTimeoutMs, only)) return;
    throw new StoreUnavailableError(
      `The change is stored (position ${position.commit}) but the read models did not show it within ${this.settings.readYourWritesTimeoutMs} ms; it will appear shortly.`,
    );
  }
}
