import { EventEmitter } from 'node:events';
import { assertExpectedRevision, findIdempotentReplay } from './append-rules';
import { randomEventId } from './event-ids';
import {
  AppendResult,
  AppendTooLargeError,
  DEFAULT_MAX_APPEND_SIZE,
  EventStore,
  ExpectedRevision,
  NewEvent,
  NumberedAppendResult,
  NumberedEvents,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  Subscription,
  appendSize,
} from './event-store.port';
import { pollingSubscription } from './polling-subscription';
import { nextNumber } from './sequences';

/** For tests and throw-away runs: the whole log in an array, lost on exit. */
export class MemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly sequences = new Map<string, number>();

  /** `maxAppendSize`: the same per-append limit as EventStoreDB's (see the port). */
  constructor(readonly maxAppendSize = DEFAULT_MAX_APPEND_SIZE) {}

  async append(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const size = appendSize(events);
    if (size > this.maxAppendSize) throw new AppendTooLargeError(stream, size, this.maxAppendSize);
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length ? BigInt(existing.length - 1) : undefined;
    const replay = findIdempotentReplay(options.expectedRevision, current, events, (rev, n) =>
      existing.slice(Number(rev), Number(rev) + n),
    );
    if (replay) return replay;
    assertExpectedRevision(stream, options.expectedRevision, current);
    const created = new Date();
    for (const event of events) {
      const global = BigInt(this.log.length);
      const recorded: RecordedEvent = {
        id: event.id ?? randomEventId(),
        streamName: stream,
        type: event.type,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata ?? {}),
        revision: BigInt(existing.length),
        position: { commit: global, prepare: global },
        created,
      };
      existing.push(recorded);
      this.log.push(recorded);
    }
    this.streams.set(stream, existing);
    if (events.length) this.emitter.emit('appended');
    const last = existing[existing.length - 1];
    return { nextExpectedRevision: last ? last.revision : -1n, position: last ? last.position : START };
  }

  /** The number is decided and the events written in one synchronous step: nothing can interleave (gapless). */
  async appendNumbered(
    stream: string,
    claim: NumberedEvents,
    options: { expectedRevision: ExpectedRevision },
  ): Promise<NumberedAppendResult> {
    const sequence = this.streams.get(claim.sequence);
    const number = nextNumber(this.sequences.get(claim.sequence), sequence?.[sequence.length - 1]);
    const logLength = this.log.length;
    // append() runs to its end before it returns its promise (no await inside), so this is still one step.
    const appended = this.append(stream, claim.build(number), options);
    const written = this.log.length > logLength;
    if (written) this.sequences.set(claim.sequence, number);
    return { ...(await appended), number: written ? number : undefined };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = this.streams.get(stream) ?? [];
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === 'backwards') {
      const from = options.fromRevision ?? BigInt(events.length - 1);
      return events
        .filter((e) => e.revision <= from)
        .reverse()
        .slice(0, max);
    }
    const from = options.fromRevision ?? 0n;
    return events.filter((e) => e.revision >= from).slice(0, max);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    // Positions are indexes into the log, so the first event after `from` is at index commit + 1.
    const start = Number((options.fromPosition ?? START).commit) + 1;
    return this.log.slice(start, start + (options.maxCount ?? this.log.length));
  }

  async lastPosition(): Promise<Position | undefined> {
    return this.log[this.log.length - 1]?.position;
  }

  async countAfter(position: Position | undefined, limit: number): Promise<number> {
    return Math.max(0, Math.min(limit, this.log.length - Number((position ?? START).commit) - 1));
  }

  subscribeToAll(options: { fromPosition?: Position } = {}): Subscription {
    return pollingSubscription(
      (from, maxCount) => this.readAll({ fromPosition: from, maxCount }),
      { onAppended: (fn) => (this.emitter.on('appended', fn), () => this.emitter.off('appended', fn)) },
      options.fromPosition,
    );
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
