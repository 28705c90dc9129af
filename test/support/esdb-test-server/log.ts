import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

/**
 * The test server's in-memory log, with EventStoreDB's rules written out independently of the embedded adapters
 * (so that the contract run against this double checks the adapter, not our own rules against themselves).
 * Positions imitate the real server since 23.10: byte-like offsets, every event is self-committed, so in `$all`
 * commit = prepare = the event's own position (an append's answer carries its last event's position).
 * Stream metadata (`$$stream`), soft delete and tombstones follow the server's read semantics: `$tb` (truncate
 * before), `$maxCount` and `$maxAge` hide events from STREAM reads only; `$all` keeps them (until a scavenge, which
 * this double never runs). A soft-deleted stream reads as not found and continues at its old revision when written
 * again; a tombstoned stream refuses reads and writes.
 */
export interface StoredEvent {
  readonly id: string;
  readonly stream: string;
  readonly revision: bigint;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  /** .NET ticks (100 ns since the Unix epoch), as the server sends `created`. */
  readonly created: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type Proposed = Pick<StoredEvent, 'id' | 'type' | 'contentType' | 'data' | 'metadata'>;
export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;
export type AppendOutcome =
  | { readonly ok: true; readonly revision: bigint | undefined; readonly last: StoredEvent | undefined }
  | { readonly ok: false; readonly current: bigint | undefined }
  | { readonly ok: false; readonly deleted: true }
  | { readonly ok: false; readonly tooLarge: number };

/** The server's default `MaxAppendSize` (ClusterVNodeOptions): 1 MiB of event records per append. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

/** What the server counts per event against `MaxAppendSize` (`Event.SizeOnDisk`): data, metadata and the UTF-16 type. */
export function sizeOnDisk(event: Pick<Proposed, 'type' | 'data' | 'metadata'>): number {
  return event.data.length + event.metadata.length + event.type.length * 2;
}

/** The stream-metadata keys the server reads itself (everything else in `$$stream` is opaque). */
export interface StreamMetadata {
  readonly $maxCount?: number;
  /** Seconds. */
  readonly $maxAge?: number;
  /** Truncate before: stream reads start at this revision. */
  readonly $tb?: number;
}
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export function compare(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}

export class EventLog extends EventEmitter {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly tombstoned = new Set<string>();
  private nextOffset = 1024n;
  private appends = 0;

  /**
   * `systemEventEvery`: a `$statsCollected` lands in `$all` after every n-th append, as the real server's stats do.
   * `maxAppendSize`: the server option of the same name, in bytes of `sizeOnDisk` per append.
   */
  constructor(
    private readonly systemEventEvery: number,
    readonly maxAppendSize = DEFAULT_MAX_APPEND_SIZE,
  ) {
    super();
    this.setMaxListeners(0);
    this.write('$stats-test-server', [systemEvent()]);
  }

  append(stream: string, expected: Expected, events: readonly Proposed[]): AppendOutcome {
    // Checked before anything else, as `Streams.Append`/`BatchAppend` do while receiving the events.
    const size = events.reduce((sum, e) => sum + sizeOnDisk(e), 0);
    if (size > this.maxAppendSize) return { ok: false, tooLarge: this.maxAppendSize };
    if (this.tombstoned.has(stream)) return { ok: false, deleted: true };
    const existing = this.streams.get(stream) ?? [];
    const current = this.currentRevision(stream);
    const replay = this.idempotentReplay(existing, expected, events);
    if (replay) return { ok: true, revision: replay.revision, last: replay };
    if (!this.accepts(expected, current)) return { ok: false, current };
    if (events.length === 0) return { ok: true, revision: current, last: undefined };
    const last = this.write(stream, events);
    if (this.systemEventEvery > 0 && ++this.appends % this.systemEventEvery === 0) this.write('$stats-test-server', [systemEvent()]);
    return { ok: true, revision: last.revision, last };
  }

  /**
   * What a stream read sees: `undefined` when the stream does not exist or is soft-deleted, `'deleted'` when
   * tombstoned; otherwise the events its metadata leaves visible (still indexed by revision in `events`).
   */
  stream(name: string, now = Date.now()): readonly StoredEvent[] | undefined | 'deleted' {
    if (this.tombstoned.has(name)) return 'deleted';
    const events = this.streams.get(name);
    if (!events) return undefined;
    const meta = this.metadataOf(name);
    let from = 0;
    if (meta.$tb !== undefined) from = Math.max(from, meta.$tb);
    if (meta.$maxCount !== undefined) from = Math.max(from, events.length - meta.$maxCount);
    const visible = events
      .slice(from)
      .filter((e) => meta.$maxAge === undefined || Number(e.created / 10_000n) >= now - meta.$maxAge * 1000);
    // Soft-deleted (everything truncated away): not found, as on the server.
    if (visible.length === 0 && meta.$tb !== undefined && meta.$tb >= events.length) return undefined;
    return visible;
  }

  /** The stream's metadata as the server reads it: the last `$metadata` event of `$$stream`. */
  metadataOf(stream: string): StreamMetadata {
    const events = this.streams.get(`$$${stream}`);
    if (!events?.length) return {};
    try {
      return JSON.parse(Buffer.from(events[events.length - 1].data).toString('utf8')) as StreamMetadata;
    } catch {
      return {};
    }
  }

  /** Soft delete: `$tb` set past the last event; the stream reads as not found and may be written again. */
  delete(stream: string, expected: Expected): AppendOutcome {
    const current = this.currentRevision(stream);
    if (this.tombstoned.has(stream)) return { ok: false, deleted: true };
    if (!this.accepts(expected, current)) return { ok: false, current };
    const tb = current === undefined ? 0 : Number(current) + 1;
    const meta = { ...this.metadataOf(stream), $tb: tb };
    const data = Buffer.from(JSON.stringify(meta));
    const last = this.write(`$$${stream}`, [
      { id: randomUUID(), type: '$metadata', contentType: 'application/json', data, metadata: new Uint8Array() },
    ]);
    return { ok: true, revision: current, last };
  }

  /** Hard delete: the stream refuses every later read and write, for good. */
  tombstone(stream: string, expected: Expected): AppendOutcome {
    const current = this.currentRevision(stream);
    if (this.tombstoned.has(stream)) return { ok: false, deleted: true };
    if (!this.accepts(expected, current)) return { ok: false, current };
    this.tombstoned.add(stream);
    const last = this.write(`$$${stream}`, [
      { id: randomUUID(), type: '$streamDeleted', contentType: 'application/json', data: Buffer.from('{}'), metadata: new Uint8Array() },
    ]);
    return { ok: true, revision: current, last };
  }

  private currentRevision(stream: string): bigint | undefined {
    const existing = this.streams.get(stream);
    return existing?.length ? BigInt(existing.length - 1) : undefined;
  }

  private accepts(expected: Expected, current: bigint | undefined): boolean {
    return (
      expected === 'any' ||
      (expected === 'no_stream' && current === undefined) ||
      (expected === 'stream_exists' && current !== undefined) ||
      expected === current
    );
  }

  /** Index of the first event at or after (`inclusive`) / strictly after `position` in `$all`. */
  indexOf(position: LogPosition, inclusive: boolean): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compare(this.all[mid], position);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Same ids at the same exact revision (or `no_stream`): the original result, nothing written. */
  private idempotentReplay(existing: StoredEvent[], expected: Expected, events: readonly Proposed[]): StoredEvent | undefined {
    const start = expected === 'no_stream' ? 0 : typeof expected === 'bigint' ? Number(expected) + 1 : undefined;
    if (start === undefined || events.length === 0 || existing.length < start + events.length) return undefined;
    const matches = events.every((e, i) => existing[start + i].id === e.id);
    return matches ? existing[start + events.length - 1] : undefined;
  }

  private write(stream: string, events: readonly Proposed[]): StoredEvent {
    const existing = this.streams.get(stream) ?? [];
    this.streams.set(stream, existing);
    const created = BigInt(Date.now()) * 10_000n;
    events.forEach((e) => {
      // Self-committed (23.10+): the event's own record position is both its commit and its prepare position.
      const position = this.nextOffset;
      this.nextOffset += 128n + BigInt(e.data.length + e.metadata.length);
      const stored: StoredEvent = { ...e, stream, revision: BigInt(existing.length), created, commit: position, prepare: position };
      existing.push(stored);
      this.all.push(stored);
    });
    this.emit('appended');
    return existing[existing.length - 1];
  }
}

function systemEvent(): Proposed {
  const data = Buffer.from(JSON.stringify({ 'proc-mem': 1 }));
  return { id: randomUUID(), type: '$statsCollected', contentType: 'application/json', data, metadata: new Uint8Array() };
}
