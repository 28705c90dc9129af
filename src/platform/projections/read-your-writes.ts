import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { Position, StoreUnavailableError, comparePositions } from '../event-store/event-store.port';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

const awaitedByWrites = (p: Projection) => (p.awaitedBy ?? 'write') === 'write';

/**
 * A GET right after a 2xx on this instance sees the change. A write answers once the models awaited by writes
 * show it (on the embedded store the inline ones already do); a model awaited by reads (`awaitedBy: 'read'`)
 * is waited for by its reads instead, up to the last write this instance answered.
 */
@Injectable()
export class ReadYourWrites {
  /** The last position a write of this process was answered at. */
  private written: Position | undefined;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async waitFor(position: Position): Promise<void> {
    if (!this.written || comparePositions(position, this.written) > 0) this.written = position;
    await this.wait(position, awaitedByWrites);
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
