import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { Position, StoreUnavailableError } from '../event-store/event-store.port';
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

/** A write answers only once the read models show it, so a GET right after a 2xx sees the change. */
@Injectable()
export class ReadYourWrites {
  private readonly followers = new Set<LogFollower>();

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** A follower that writes must not wait for itself: its `caughtUp` answers at once for its own appends. */
  register(follower: LogFollower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  async waitFor(position: Position, scope?: WriteScope): Promise<void> {
    if (!(await this.runner.waitFor(position, this.settings.readYourWritesTimeoutMs))) {
      throw new StoreUnavailableError(
        `The change is stored (position ${position.commit}) but the read models did not show it within ${this.settings.readYourWritesTimeoutMs} ms; it will appear shortly.`,
      );
    }
    for (const follower of this.followers) await follower.caughtUp(position, scope);
  }
}
