import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Position, RecordedEvent, comparePositions, storedForm } from '../../platform/event-store/event-store.port';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { GENESIS_HASH, canonicalJson } from '../../platform/event-store/hash-chain';

export interface Anchor {
  readonly seq: number;
  readonly position: Position;
  readonly stream: string;
  readonly revision: bigint;
  readonly eventId: string;
  /** sha256 of the whole event as stored, its chain hash included. */
  readonly digest: string;
  readonly anchoredAt: string;
  /** HMAC(key, previous anchor's mac + this anchor): a keyed chain over the whole ledger. */
  readonly mac: string;
}

/** An anchor and, when it cannot be trusted, why. */
export interface CheckedAnchor extends Anchor {
  readonly problem?: string;
}

interface Row {
  seq: bigint;
  commit_pos: bigint;
  prepare_pos: bigint;
  stream_id: string;
  revision: bigint;
  event_id: string;
  digest: string;
  anchored_at: string;
  mac: string;
}

export function eventDigest(event: RecordedEvent): string {
  // The stored form (personal fields sealed): an erasure must not change what an anchor froze.
  const stored = storedForm(event);
  const body = canonicalJson({
    stream: event.streamName,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: stored.data,
    metadata: stored.metadata,
  });
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The audit anchors: for every event, in global order, a row that freezes its digest under a keyed MAC
 * chained over all earlier rows. Whoever can write the database but does not hold the key can neither
 * re-sign a rewritten event nor remove or edit a row without breaking the chain (docs/audit.md).
 * Rows are only ever added: there is no rebuild that could re-sign a rewritten history.
 */
export class AnchorLedger {
  private readonly stmts;

  constructor(
    db: SqliteDatabase,
    private readonly key: Buffer | undefined,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit_anchors (
        seq INTEGER PRIMARY KEY, commit_pos INTEGER NOT NULL, prepare_pos INTEGER NOT NULL, stream_id TEXT NOT NULL,
        revision INTEGER NOT NULL, event_id TEXT NOT NULL, digest TEXT NOT NULL, anchored_at TEXT NOT NULL, mac TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_anchors_stream ON audit_anchors (stream_id, revision);
    `);
    const select = 'SELECT * FROM audit_anchors';
    this.stmts = {
      head: db.prepare<[], Row>(`${select} ORDER BY seq DESC LIMIT 1`).safeIntegers(),
      at: db.prepare<[number], Row>(`${select} WHERE seq = ?`).safeIntegers(),
      after: db.prepare<[number, number], Row>(`${select} WHERE seq > ? ORDER BY seq LIMIT ?`).safeIntegers(),
      stream: db.prepare<[string], Row>(`${select} WHERE stream_id = ? ORDER BY revision, seq`).safeIntegers(),
      count: db.prepare<[], { n: bigint }>('SELECT count(*) AS n FROM audit_anchors').safeIntegers(),
      insert: db.prepare(
        `INSERT INTO audit_anchors (seq, commit_pos, prepare_pos, stream_id, revision, event_id, digest, anchored_at, mac)
         VALUES (@seq, @commit, @prepare, @stream, @revision, @eventId, @digest, @anchoredAt, @mac)`,
      ),
    };
    // IMMEDIATE: reads then writes, beside other processes writing the same file (see SqliteEventStore.flush).
    this.appendTx = db.transaction((events: readonly RecordedEvent[], anchoredAt: string) => this.appendRows(events, anchoredAt)).immediate;
  }

  private readonly appendTx: (events: readonly RecordedEvent[], anchoredAt: string) => number;

  get hasKey(): boolean {
    return this.key !== undefined;
  }

  head(): Anchor | undefined {
    const row = this.stmts.head.get();
    return row && toAnchor(row);
  }

  count(): number {
    return Number(this.stmts.count.get()!.n);
  }

  at(seq: number): Anchor | undefined {
    const row = this.stmts.at.get(seq);
    return row && toAnchor(row);
  }

  after(seq: number, limit: number): Anchor[] {
    return this.stmts.after.all(seq, limit).map(toAnchor);
  }

  /** Anchors the events after the head, in the order given (global order); one transaction. */
  append(events: readonly RecordedEvent[], anchoredAt = new Date().toISOString()): number {
    return this.appendTx(events, anchoredAt);
  }

  private appendRows(events: readonly RecordedEvent[], anchoredAt: string): number {
    let head = this.head();
    let added = 0;
    for (const event of events) {
      // Another writer (the CLI, or the timer) may have anchored these already.
      if (head && comparePositions(event.position, head.position) <= 0) continue;
      const fields = {
        seq: (head?.seq ?? 0) + 1,
        position: event.position,
        stream: event.streamName,
        revision: event.revision,
        eventId: event.id,
        digest: eventDigest(event),
        anchoredAt,
      };
      const anchor: Anchor = { ...fields, mac: this.mac(head?.mac ?? GENESIS_HASH, fields) };
      this.stmts.insert.run({ ...anchor, commit: anchor.position.commit, prepare: anchor.position.prepare });
      head = anchor;
      added++;
    }
    return added;
  }

  /** A stream's anchors by revision, each checked against the one before it in the ledger. */
  forStream(stream: string): CheckedAnchor[] {
    return this.stmts.stream.all(stream).map((row) => {
      const anchor = toAnchor(row);
      const previous = anchor.seq === 1 ? undefined : this.at(anchor.seq - 1);
      if (anchor.seq > 1 && !previous)
        return { ...anchor, problem: `anchor ${anchor.seq - 1} before it is missing: rows were removed from the ledger` };
      const problem = this.problemOf(anchor, previous?.mac ?? GENESIS_HASH);
      return problem ? { ...anchor, problem } : anchor;
    });
  }

  /** Why this anchor cannot be trusted after the given previous mac, or undefined. */
  problemOf(anchor: Anchor, previousMac: string): string | undefined {
    const expected = Buffer.from(this.mac(previousMac, anchor), 'hex');
    const stored = Buffer.from(anchor.mac, 'hex');
    return expected.length === stored.length && timingSafeEqual(expected, stored)
      ? undefined
      : `anchor ${anchor.seq} fails its MAC: the anchor was altered, or signed with another key`;
  }

  private mac(previousMac: string, a: Omit<Anchor, 'mac'>): string {
    if (!this.key) throw new Error('no audit key: set LEAD_AUDIT_KEY or provide <data dir>/audit-key');
    const body = canonicalJson([
      'lead-audit-anchor/v1',
      a.seq,
      previousMac,
      String(a.position.commit),
      String(a.position.prepare),
      a.stream,
      String(a.revision),
      a.eventId,
      a.digest,
      a.anchoredAt,
    ]);
    return createHmac('sha256', this.key).update(body).digest('hex');
  }
}

function toAnchor(row: Row): Anchor {
  return {
    seq: Number(row.seq),
    position: { commit: BigInt(row.commit_pos), prepare: BigInt(row.prepare_pos) },
    stream: row.stream_id,
    revision: BigInt(row.revision),
    eventId: row.event_id,
    digest: row.digest,
    anchoredAt: row.anchored_at,
    mac: row.mac,
  };
}
