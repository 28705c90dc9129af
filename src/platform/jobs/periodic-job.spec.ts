import { PeriodicJob } from './periodic-job';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PeriodicJob', () => {
  it('runs one at a time: a run asked for during another starts after it, in order', async () => {
    const log: string[] = [];
    let release!: () => void;
    const job = new PeriodicJob<number, string>('test', async (arg) => {
      log.push(`start ${arg}`);
      if (arg === 'first') await new Promise<void>((resolve) => (release = resolve));
      log.push(`end ${arg}`);
      return log.length;
    });
    const first = job.run('first');
    const second = job.run('second');
    await tick();
    expect(log).toEqual(['start first']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['start first', 'end first', 'start second', 'end second']);
  });

  it('a failed run is logged and does not stop the next one', async () => {
    const errors: string[] = [];
    let calls = 0;
    const job = new PeriodicJob(
      'flaky',
      async () => {
        if (++calls === 1) throw new Error('boom');
        return calls;
      },
      { error: (message: string) => void errors.push(message) },
    );
    job.start(5, { runNow: true });
    await new Promise((resolve) => setTimeout(resolve, 40));
    await job.stop();
    expect(errors).toEqual(['flaky failed: Error: boom']);
    expect(calls).toBeGreaterThanOrEqual(2);
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(after); // stopped: no more ticks
  });

  it('stop waits for the run under way', async () => {
    let done = false;
    const job = new PeriodicJob('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = true;
    });
    void job.run();
    await job.stop();
    expect(done).toBe(true);
  });
});
