import { AppendTooLargeError, StoreUnavailableError, StreamDeletedError } from '../event-store/event-store.port';
import { sendProblem, toProblem } from './problem-details.filter';

describe('problem details for event-store refusals', () => {
  it('an append larger than the store takes is 413 naming the limit', () => {
    const problem = toProblem(new AppendTooLargeError('ticket-1', 2_000_000, 1_048_576));
    expect(problem).toMatchObject({ status: 413, type: 'urn:lead:problem:too-large-for-store', max_append_bytes: 1_048_576 });
    expect(problem.detail).toMatch(/nothing was stored/);
  });

  it('a stream deleted or truncated by an operator is 410', () => {
    expect(toProblem(new StreamDeletedError('ticket-1', 'truncated'))).toMatchObject({
      status: 410,
      type: 'urn:lead:problem:stream-deleted',
    });
  });

  it('an unavailable store is 503 with Retry-After; other answers get no Retry-After', () => {
    const headers = (problem: ReturnType<typeof toProblem>) => {
      const set: Record<string, string> = {};
      const reply = {
        hasHeader: (name: string) => name in set,
        header(name: string, value: string) {
          set[name] = value;
          return reply;
        },
        status: () => reply,
        send: () => reply,
      };
      sendProblem(reply as never, problem);
      return set;
    };
    const unavailable = toProblem(new StoreUnavailableError('EventStoreDB unavailable'));
    expect(unavailable.status).toBe(503);
    expect(Number(headers(unavailable)['retry-after'])).toBeGreaterThan(0);
    expect(headers(toProblem(new AppendTooLargeError('s', 1, 0)))['retry-after']).toBeUndefined();
  });
});
