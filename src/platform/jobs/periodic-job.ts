import { Logger } from '@nestjs/common';

/**
 * Background work that every instance runs on a timer and on demand, one run at a time: a run asked for while
 * another is under way starts after it, so it covers what it asked for. A failed run is logged, never thrown
 * at the timer, and the next tick tries again.
 */
export class PeriodicJob<Result, Arg = void> {
  private timer?: NodeJS.Timeout;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly work: (arg?: Arg) => Promise<Result>,
    private readonly logger: Pick<Logger, 'error'> = new Logger(name),
  ) {}

  /** Every `intervalMs` (0: never on a timer), and once at once when `runNow`. The timer does not keep the process alive. */
  start(intervalMs: number, { runNow = false }: { runNow?: boolean } = {}): void {
    const tick = () => void this.run().catch((error: unknown) => this.logger.error(`${this.name} failed: ${String(error)}`));
    if (runNow) tick();
    if (intervalMs > 0) this.timer = setInterval(tick, intervalMs).unref();
  }

  /** One run, after any run under way or already asked for. */
  run(arg?: Arg): Promise<Result> {
    const next = this.tail.catch(() => undefined).then(() => this.work(arg));
    this.tail = next;
    return next;
  }

  /** No more ticks; resolves once the run under way (if any) has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tail.catch(() => undefined);
  }
}
