import { SendResult } from './sender';

/**
 * What one attempt's answer means (Standard Webhooks' advice, and the issue's): a 2xx delivered it; a network
 * error, a timeout, a 5xx, 408 or 429 is worth another try; 410 Gone says the receiver does not want any more
 * (the subscription is disabled); any other answer (3xx: redirects are not followed, 4xx) failed for good.
 */
export type Verdict = 'delivered' | 'retry' | 'gone' | 'failed';

export function verdictOf(result: Pick<SendResult, 'statusCode'>): Verdict {
  const code = result.statusCode;
  if (code === null) return 'retry';
  if (code >= 200 && code < 300) return 'delivered';
  if (code === 410) return 'gone';
  if (code >= 500 || code === 408 || code === 429) return 'retry';
  return 'failed';
}

export interface RetrySettings {
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly retryWindowMs: number;
}

/** Retry-After as milliseconds from `now`: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * When to try again after the `attempt`-th failed attempt (1-based): base * 2^(attempt-1), capped, with "full
 * jitter" over its upper half so that receivers coming back up are not hit by every sender at once. A
 * Retry-After the receiver sent is honoured when it asks for longer (still capped by the maximum). Undefined
 * when the next attempt would fall after the retry window, counted from the first attempt: give up.
 */
export function nextAttemptAt(
  settings: RetrySettings,
  attempt: number,
  firstAttemptAt: number,
  now: number,
  retryAfter: string | null,
  random: () => number = Math.random,
): number | undefined {
  const exponential = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  const jittered = exponential / 2 + random() * (exponential / 2);
  const asked = retryAfterMs(retryAfter, now);
  const delay = Math.min(settings.retryMaxMs, Math.max(jittered, asked ?? 0));
  const at = Math.round(now + delay);
  return at - firstAttemptAt > settings.retryWindowMs ? undefined : at;
}
