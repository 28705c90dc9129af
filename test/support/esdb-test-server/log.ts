import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

/**
 * The test server's in-memory log, with EventStoreDB's rules written out independently of the embedded adapters
 * (so that the contract run against this double checks the adapter, not our own rules against themselves).
 * Positions imitate the real server: byte-like offsets, every event of one append shares the `commit` of the
 * append's commit record, which lies after its prepares; events differ in `prepare`.
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
  | { readonly ok: false; readonly current: bigint | undefined };
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
  private nextOffset = 1024n;
  private appends = 0;

  /** `systemEventEvery`: a `$statsCollected` lands in `$all` after every n-th append, as the real server's stats do. */
  constructor(private readonly systemEventEvery: number) {
    super();
    this.setMaxListeners(0);
    this.write('$stats-test-server', [systemEvent()]);
  }

  append(stream: string, expected: Expected, events: readonly Proposed[]): AppendOutcome {
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length ? BigInt(existing.length - 1) : undefined;
    const replay = this.idempotentReplay(existing, expected, events);
    if (replay) return { ok: true, revision: replay.revision, last: replay };
    const accepted =
      expected === 'any' ||
      (expected === 'no_stream' && current === undefined) ||
      (expected === 'stream_exists' && current !== undefined) ||
      expected === current;
    if (!accepted) return { ok: false, current };
    if (events.length === 0) return { ok: true, revision: current, last: undefined };
    const last = this.write(stream, events);
    if (this.systemEventEvery > 0 && ++this.appends % this.systemEventEvery === 0) this.write('$stats-test-server', [systemEvent()]);
    return { ok: true, revision: last.revision, last };
  }

  /** `undefined` when the stream does not exist. */
  stream(name: string): readonly StoredEvent[] | undefined {
    return this.streams.get(name);
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
    const prepares = events.map((e) => {
      const prepare = this.nextOffset;
      this.nextOffset += 128n + BigInt(e.data.length + e.metadata.length);
      return prepare;
    });
    const commit = this.nextOffset;
    this.nextOffset += 64n;
    const created = BigInt(Date.now()) * 10_000n;
    events.forEach((e, i) => {
      const stored: StoredEvent = { ...e, stream, revision: BigInt(existing.length), created, commit, prepare: prepares[i] };
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
