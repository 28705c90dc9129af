import { AppendResult, ExpectedRevision, NewEvent, RecordedEvent, WrongExpectedVersionError } from './event-store.port';

/**
 * The expected-revision rules shared by the embedded adapters, written once so they cannot drift apart.
 * `current` is the revision of the stream's last event, `undefined` when the stream does not exist.
 */
export function assertExpectedRevision(stream: string, expected: ExpectedRevision, current: bigint | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(stream, expected, current);
}

/**
 * EventStoreDB's durable idempotency: the same event ids appended again with the same exact expected revision
 * (or `no_stream`) answer with the original result and write nothing. Returns that result, or `undefined` when
 * the append is not such a replay. `readFrom(rev, n)` reads up to n events of the stream from revision rev.
 */
export function findIdempotentReplay(
  expected: ExpectedRevision,
  current: bigint | undefined,
  events: readonly NewEvent[],
  readFrom: (revision: bigint, count: number) => RecordedEvent[],
): AppendResult | undefined {
  if (current === undefined || events.length === 0 || events.some((e) => !e.id)) return undefined;
  const start = expected === 'no_stream' ? 0n : typeof expected === 'bigint' ? expected + 1n : undefined;
  if (start === undefined || current < start) return undefined;
  const existing = readFrom(start, events.length);
  if (existing.length !== events.length || existing.some((e, i) => e.id !== events[i].id)) return undefined;
  const last = existing[existing.length - 1];
  return { nextExpectedRevision: last.revision, position: last.position };
}
