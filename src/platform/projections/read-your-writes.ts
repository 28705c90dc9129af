import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { Position, StoreUnavailableError, comparePositions } from '../event-store/event-store.port';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

const awaitedByWrites = (p: Projection) => (p.awaitedBy ?? 'write') === 'write';
/** Whether the model acts on any of these event types (a model that does not cannot show anything of the write). */
const handlesAny = (p: Projection, types: readonly string[]) => p.handles === undefined || types.some((t) => p.handles!.includes(t));

/**
 * A GET right after a 2xx on this instance sees the change. A write answers once the models awaited by writes
 * that handle what it appended show it (on the embedded store the inline ones already do, so it waits for
 * nothing); a model awaited by reads (`awaitedBy: 'read'`) is waited for by its reads instead, up to the last
 * write this instance answered.
 */
@Injectable()
export class ReadYourWrites {
  /** The last position a write of this process was answered at. */
  private written: Position | undefined;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** `types`: the event types the write appended (omit: every model awaited by writes). */
  async waitFor(position: Position, types?: readonly string[]): Promise<void> {
    if (!this.written || comparePositions(position, this.written) > 0) this.written = position;
    await this.wait(position, types ? (p) => awaitedByWrites(p) && handlesAny(p, types) : awaitedByWrites);
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
