import { nextAttemptAt, retryAfterMs, verdictOf } from './retry-policy';

const settings = { retryBaseMs: 1000, retryMaxMs: 60_000, retryWindowMs: 3 * 24 * 3600_000 };

describe('webhook retry policy', () => {
  it('retries network errors, 5xx, 408 and 429; 410 is gone; other answers fail for good', () => {
    expect(verdictOf({ statusCode: null })).toBe('retry');
    for (const code of [500, 502, 503, 504, 408, 429]) expect([code, verdictOf({ statusCode: code })]).toEqual([code, 'retry']);
    for (const code of [200, 201, 204]) expect(verdictOf({ statusCode: code })).toBe('delivered');
    expect(verdictOf({ statusCode: 410 })).toBe('gone');
    for (const code of [301, 307, 400, 401, 404, 422]) expect([code, verdictOf({ statusCode: code })]).toEqual([code, 'failed']);
  });

  it('backs off exponentially with jitter in the upper half, capped', () => {
    const now = 1_000_000;
    expect(nextAttemptAt(settings, 1, now, now, null, () => 0)).toBe(now + 500);
    expect(nextAttemptAt(settings, 1, now, now, null, () => 1)).toBe(now + 1000);
    expect(nextAttemptAt(settings, 4, now, now, null, () => 1)).toBe(now + 8000);
    expect(nextAttemptAt(settings, 30, now, now, null, () => 1)).toBe(now + 60_000);
    const spread = new Set(Array.from({ length: 20 }, () => nextAttemptAt(settings, 3, now, now, null)));
    expect(spread.size).toBeGreaterThan(1);
  });

  it('honours a longer Retry-After, in seconds or as a date, up to the cap', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(nextAttemptAt(settings, 1, now, now, '20', () => 1)).toBe(now + 20_000);
    expect(nextAttemptAt(settings, 1, now, now, '3600', () => 1)).toBe(now + 60_000);
  });

  it('gives up once the next attempt would fall after the retry window', () => {
    const first = 0;
    expect(nextAttemptAt(settings, 5, first, settings.retryWindowMs - 60_000, null, () => 1)).toBeDefined();
    expect(nextAttemptAt(settings, 5, first, settings.retryWindowMs - 1000, null, () => 1)).toBeUndefined();
  });
});
