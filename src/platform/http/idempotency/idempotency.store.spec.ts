import { openSqlite } from '../../sqlite/sqlite-database';
import { IdempotencyStore } from './idempotency.store';

describe('IdempotencyStore', () => {
  let now = 0;
  const setup = () => new IdempotencyStore(openSqlite(':memory:'), { retentionMs: 1000, leaseMs: 100, now: () => now });
  beforeEach(() => (now = 10_000));

  it('runs the first request, replays its answer, refuses the key with another request', () => {
    const keys = setup();
    expect(keys.claim('app POST /x', 'k', 'body-1')).toEqual({ kind: 'execute' });
    keys.complete('app POST /x', 'k', 201, { id: 1 });
    expect(keys.claim('app POST /x', 'k', 'body-1')).toEqual({ kind: 'replay', status: 201, body: { id: 1 } });
    expect(keys.claim('app POST /x', 'k', 'body-2')).toEqual({ kind: 'mismatch' });
  });

  it('scopes keys: the same key elsewhere is another key', () => {
    const keys = setup();
    keys.claim('app-a POST /x', 'k', 'b');
    expect(keys.claim('app-b POST /x', 'k', 'b')).toEqual({ kind: 'execute' });
    expect(keys.claim('app-a POST /y', 'k', 'b')).toEqual({ kind: 'execute' });
  });

  it('a running request holds its key for its lease; one that died frees it after', () => {
    const keys = setup();
    keys.claim('s', 'k', 'b');
    expect(keys.claim('s', 'k', 'b')).toEqual({ kind: 'in_progress' });
    now += 101;
    expect(keys.claim('s', 'k', 'b')).toEqual({ kind: 'execute' });
  });

  it('a released key (the request was refused) can run again', () => {
    const keys = setup();
    keys.claim('s', 'k', 'b');
    keys.release('s', 'k');
    expect(keys.claim('s', 'k', 'other body')).toEqual({ kind: 'execute' });
  });

  it('forgets answers after the retention window, and purges them', () => {
    const keys = setup();
    keys.claim('s', 'old', 'b');
    keys.complete('s', 'old', 200, 'x');
    now += 500;
    keys.claim('s', 'new', 'b');
    keys.complete('s', 'new', 200, 'y');
    now += 501;
    expect(keys.claim('s', 'old', 'another body')).toEqual({ kind: 'execute' });
    keys.release('s', 'old');
    expect(keys.purgeExpired()).toBe(0);
    now += 500;
    expect(keys.purgeExpired()).toBe(1);
  });

  it('at start, frees the keys of requests that were running, and keeps the answered ones', () => {
    const keys = setup();
    keys.claim('s', 'cut-off', 'b');
    keys.claim('s', 'answered', 'b');
    keys.complete('s', 'answered', 201, { id: 1 });
    expect(keys.releaseInFlight()).toBe(1);
    expect(keys.claim('s', 'cut-off', 'b')).toEqual({ kind: 'execute' });
    expect(keys.claim('s', 'answered', 'b')).toEqual({ kind: 'replay', status: 201, body: { id: 1 } });
  });
});
