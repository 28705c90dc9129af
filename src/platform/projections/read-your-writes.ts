import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { Position, StoreUnavailableError } from '../event-store/event-store.port';
import { ProjectionRunner } from './projection-runner';

/** A write answers only once the read models show it, so a GET right after a 2xx sees the change. */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async waitFor(position: Position): Promise<void> {
    if (await this.runner.waitFor(position, this.settings.readYourWritesTimeoutMs)) return;
    throw new StoreUnavailableError(
      `The change is stored (position ${position.commit}) but the read models did not show it within ${this.settings.readYourWritesTimeoutMs} ms; it will appear shortly.`,
    );
  }
}
