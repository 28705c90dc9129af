import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import { tracedEventStore } from '../../src/platform/ops/traced-event-store';
import {
  AppendTooLargeError,
  DEFAULT_MAX_APPEND_SIZE,
  EventStore,
  NewEvent,
  Position,
  RecordedEvent,
  WrongExpectedVersionError,
  appendSize,
  comparePositions,
} from '../../src/platform/event-store/event-store.port';

/**
 * THE event-store contract. Every adapter runs exactly this suite (see *.contract.spec.ts). The tests only
 * touch streams they create, so they also hold against a store that already has data (a real server).
 */
export interface ContractTarget {
  store: EventStore;
  /** Called once after the suite. */
  dispose(): Promise<void>;
}

export function describeEventStoreContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`event-store contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => target?.dispose());

    const stream = (prefix = 'contract') => `${prefix}-${randomUUID()}`;
    const ev = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
      type: 'ContractTested',
      data: { n, nested: { text: 'ünïcødé ✓', list: [1, 2] } },
      metadata: { correlationId: 'corr-1', causationId: 'cause-1', actor: { type: 'system', id: 'contract' }, tenant: { companyId: '1' } },
      ...extra,
    });
    /** The position of a fresh marker event: everything appended afterwards is strictly after it. */
    const mark = async (): Promise<Position> => (await store.append(stream('mark'), [ev(-1)], { expectedRevision: 'no_stream' })).position;
    const expectConflict = async (p: Promise<unknown>, actual: bigint | undefined) => {
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).actual).toBe(actual);
    };

    describe('append size limit', () => {
      it('refuses an append over maxAppendSize (1 MiB by default, as EventStoreDB) and writes nothing of it', async () => {
        const s = stream();
        expect(store.maxAppendSize).toBe(DEFAULT_MAX_APPEND_SIZE);
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        const half = { type: 'ContractTested', data: { pad: 'x'.repeat(store.maxAppendSize / 2) } };
        const error = await store.append(s, [half, half], { expectedRevision: 0n }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppendTooLargeError);
        expect(await store.readStream(s)).toHaveLength(1);
        expect(appendSize([half])).toBeLessThan(store.maxAppendSize);
        await store.append(s, [half], { expectedRevision: 0n });
      });
    });

    describe('append and read a stream', () => {
      it('writes revisions from 0 and reads back id, type, data and metadata in order', async () => {
        const s = stream();
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        const result = await store.append(
          s,
          ids.map((id, i) => ev(i, { id })),
          { expectedRevision: 'no_stream' },
        );
        expect(result.nextExpectedRevision).toBe(2n);
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(events.map((e) => e.id)).toEqual(ids);
        expect(events[1]).toMatchObject({ streamName: s, type: 'ContractTested', data: ev(1).data, metadata: ev(1).metadata });
        expect(events[2].created).toBeInstanceOf(Date);
        expect(comparePositions(events[2].position, result.position)).toBe(0);
      });

      it('reads a missing stream as empty', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('reads backwards, from a revision, with a max count', async () => {
        const s = stream();
        await store.append(
          s,
          [0, 1, 2, 3, 4].map((n) => ev(n)),
          { expectedRevision: 'no_stream' },
        );
        const revs = (list: RecordedEvent[]) => list.map((e) => e.revision);
        expect(revs(await store.readStream(s, { fromRevision: 2n }))).toEqual([2n, 3n, 4n]);
        expect(revs(await store.readStream(s, { fromRevision: 1n, maxCount: 2 }))).toEqual([1n, 2n]);
        expect(revs(await store.readStream(s, { direction: 'backwards' }))).toEqual([4n, 3n, 2n, 1n, 0n]);
        expect(revs(await store.readStream(s, { direction: 'backwards', maxCount: 2 }))).toEqual([4n, 3n]);
        expect(revs(await store.readStream(s, { direction: 'backwards', fromRevision: 2n }))).toEqual([2n, 1n, 0n]);
      });
    });

    describe('expected revision', () => {
      it('no_stream: accepted on a new stream, a conflict on an existing one', async () => {
        const s = stream();
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, [ev(1)], { expectedRevision: 'no_stream' }), 0n);
      });

      it('stream_exists: a conflict on a missing stream, accepted on an existing one', async () => {
        const s = stream();
        await expectConflict(store.append(s, [ev(0)], { expectedRevision: 'stream_exists' }), undefined);
        await store.append(s, [ev(0)], { expectedRevision: 'any' });
        const r = await store.append(s, [ev(1)], { expectedRevision: 'stream_exists' });
        expect(r.nextExpectedRevision).toBe(1n);
      });

      it('exact revision: accepted when it is the last revision, a conflict otherwise, and nothing is written', async () => {
        const s = stream();
        await store.append(s, [ev(0), ev(1)], { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, [ev(9)], { expectedRevision: 0n }), 1n);
        await expectConflict(store.append(s, [ev(9)], { expectedRevision: 5n }), 1n);
        await expectConflict(store.append(stream(), [ev(9)], { expectedRevision: 0n }), undefined);
        expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1]);
        const r = await store.append(s, [ev(2)], { expectedRevision: 1n });
        expect(r.nextExpectedRevision).toBe(2n);
      });

      it('any: always accepted, appending at the end', async () => {
        const s = stream();
        await store.append(s, [ev(0)], { expectedRevision: 'any' });
        const r = await store.append(s, [ev(1)], { expectedRevision: 'any' });
        expect(r.nextExpectedRevision).toBe(1n);
      });
    });

    describe('idempotent re-append', () => {
      it('the same ids at the same exact revision write nothing twice and answer the original result', async () => {
        const s = stream();
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        const batch = [ev(1, { id: randomUUID() }), ev(2, { id: randomUUID() })];
        const first = await store.append(s, batch, { expectedRevision: 0n });
        const again = await store.append(s, batch, { expectedRevision: 0n });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(again.position, first.position)).toBe(0);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('the same ids with no_stream are idempotent too', async () => {
        const s = stream();
        const batch = [ev(0, { id: randomUUID() })];
        await store.append(s, batch, { expectedRevision: 'no_stream' });
        await store.append(s, batch, { expectedRevision: 'no_stream' });
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('different ids at a taken revision are still a conflict', async () => {
        const s = stream();
        await store.append(s, [ev(0, { id: randomUUID() })], { expectedRevision: 'no_stream' });
        await expectConflict(store.append(s, [ev(0, { id: randomUUID() })], { expectedRevision: 'no_stream' }), 0n);
      });
    });

    describe('the global log', () => {
      it('gives strictly increasing positions across streams and reads after a position, exclusive', async () => {
        const start = await mark();
        const a = stream();
        const b = stream();
        await store.append(a, [ev(0)], { expectedRevision: 'no_stream' });
        await store.append(b, [ev(1), ev(2)], { expectedRevision: 'no_stream' });
        await store.append(a, [ev(3)], { expectedRevision: 0n });
        const mine = (await store.readAll({ fromPosition: start })).filter((e) => e.streamName === a || e.streamName === b);
        expect(mine.map((e) => e.data.n)).toEqual([0, 1, 2, 3]);
        for (let i = 1; i < mine.length; i++) expect(comparePositions(mine[i - 1].position, mine[i].position)).toBe(-1);
        const afterFirst = await store.readAll({ fromPosition: mine[0].position, maxCount: 1 });
        expect(afterFirst[0].id).toBe(mine[1].id);
      });

      it("lastPosition(): the newest event's position, moving with every append (checkpoints beyond it are refused at start)", async () => {
        const a = stream();
        await store.append(a, [ev(0)], { expectedRevision: 'no_stream' });
        const [first] = await store.readStream(a);
        expect(await store.lastPosition()).toEqual(first.position);
        await store.append(a, [ev(1), ev(2)], { expectedRevision: 0n });
        const [, , third] = await store.readStream(a);
        expect(await store.lastPosition()).toEqual(third.position);
      });
    });

    describe('subscription to the global log', () => {
      it('catches up, then goes live, with no gap and no duplicate while writers keep appending', async () => {
        const start = await mark();
        const s = stream('sub');
        const total = 300;
        let written = 0;
        for (; written < 100; written++) await store.append(s, [ev(written)], { expectedRevision: 'any' });
        const sub = store.subscribeToAll({ fromPosition: start });
        const writers = (async () => {
          for (; written < total; written += 4) {
            await Promise.all([0, 1, 2, 3].map((k) => store.append(s, [ev(written + k)], { expectedRevision: 'any' })));
          }
        })();
        const seen: RecordedEvent[] = [];
        for await (const e of sub) {
          if (e.streamName !== s) continue;
          seen.push(e);
          if (seen.length === total) break;
        }
        await sub.close();
        await writers;
        expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
        expect(new Set(seen.map((e) => e.data.n)).size).toBe(total);
        for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBe(-1);
      });

      it('starts strictly after the given position', async () => {
        const s = stream('sub');
        await store.append(s, [ev(0), ev(1), ev(2)], { expectedRevision: 'no_stream' });
        const [, second] = await store.readStream(s);
        const sub = store.subscribeToAll({ fromPosition: second.position });
        for await (const e of sub) {
          expect(e.id).not.toBe(second.id);
          if (e.streamName === s) {
            expect(e.revision).toBe(2n);
            break;
          }
        }
        await sub.close();
      });

      it('ends the iteration when closed while waiting for live events', async () => {
        const s = stream('sub');
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        const [only] = await store.readStream(s);
        const sub = store.subscribeToAll({ fromPosition: only.position });
        const iterator = sub[Symbol.asyncIterator]();
        const pending = (async () => {
          for (;;) {
            const r = await iterator.next();
            if (r.done) return 'done';
            if (r.value.streamName === s) return 'unexpected';
          }
        })();
        await new Promise((r) => setTimeout(r, 50));
        await sub.close();
        await expect(pending).resolves.toBe('done');
      });
    });

    describe('optional capabilities (projection rebuilds, lag): checked when the adapter has them', () => {
      it('batches(): the same events as the event iteration, in order, then live ones; close ends it', async () => {
        const start = await mark();
        const s = stream('batches');
        await store.append(
          s,
          [0, 1, 2, 3, 4].map((n) => ev(n)),
          { expectedRevision: 'no_stream' },
        );
        const probe = store.subscribeToAll({ fromPosition: start });
        await probe.close();
        if (!probe.batches) return;
        const sub = store.subscribeToAll({ fromPosition: start });
        const seen: RecordedEvent[] = [];
        let wroteLive = false;
        for await (const batch of sub.batches!()) {
          seen.push(...batch.filter((e) => e.streamName === s));
          if (seen.length === 5 && !wroteLive) {
            wroteLive = true;
            await store.append(s, [ev(5)], { expectedRevision: 4n });
          }
          if (seen.length === 6) break;
        }
        await sub.close();
        expect(seen.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
        expect(seen[1]).toMatchObject({ type: 'ContractTested', data: ev(1).data, metadata: ev(1).metadata });
        for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBe(-1);
      });

      it('countAfter(): the events after a position, up to a limit', async () => {
        if (!store.countAfter) return;
        const start = await mark();
        await store.append(stream('count'), [ev(0), ev(1), ev(2)], { expectedRevision: 'no_stream' });
        // Other tests' writes may land meanwhile on a shared server: at least ours, and the limit holds.
        expect(await store.countAfter(start, 1000)).toBeGreaterThanOrEqual(3);
        expect(await store.countAfter(start, 2)).toBe(2);
        const [last] = await store.readAll({ fromPosition: start, maxCount: 3 }).then((e) => e.slice(-1));
        expect(await store.countAfter(last.position, 1000)).toBeLessThan(await store.countAfter(start, 1000));
      });
    });

    describe('concurrency', () => {
      it('many concurrent appenders with any on one stream lose nothing', async () => {
        const s = stream();
        await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(s, [ev(i)], { expectedRevision: 'any' })));
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
        expect(new Set(events.map((e) => e.data.n)).size).toBe(100);
      });

      it('concurrent appenders with exact revisions: each revision is won once, retries land every event', async () => {
        const s = stream();
        await store.append(s, [ev(-1)], { expectedRevision: 'no_stream' });
        let conflicts = 0;
        const writer = async (n: number) => {
          for (;;) {
            const [last] = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
            try {
              return await store.append(s, [ev(n)], { expectedRevision: last.revision });
            } catch (e) {
              if (!(e instanceof WrongExpectedVersionError)) throw e;
              conflicts++;
            }
          }
        };
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => writer(i)));
        expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(20);
        const events = await store.readStream(s);
        expect(events).toHaveLength(21);
        expect(
          events
            .slice(1)
            .map((e) => e.data.n)
            .sort((x, y) => Number(x) - Number(y)),
        ).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(conflicts).toBeGreaterThanOrEqual(0);
      });
    });

    describe('tracing (ops/traced-event-store.ts over this adapter)', () => {
      it('an append is one client span of the same shape on every adapter; a conflict is marked, not failed', async () => {
        const spans = new InMemorySpanExporter();
        expect(trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }))).toBe(true);
        try {
          const traced = tracedEventStore(store, name);
          const s = stream();
          await traced.append(s, [ev(1), ev(2)], { expectedRevision: 'no_stream' });
          await expect(traced.append(s, [ev(3)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedVersionError);
          const [ok, conflict] = spans.getFinishedSpans();
          expect(ok).toMatchObject({ name: 'event_store.append', kind: SpanKind.CLIENT, status: { code: SpanStatusCode.UNSET } });
          expect(ok.attributes).toEqual({
            'db.system.name': name,
            'db.operation.name': 'append',
            'lead.stream': s,
            'lead.event_store.expected_revision': 'no_stream',
            'lead.event_store.event_count': 2,
            'lead.event_store.event_types': ['ContractTested'],
            'lead.event_store.next_revision': '1',
            'lead.event_store.commit_position': expect.stringMatching(/^\d+$/),
          });
          expect(conflict).toMatchObject({
            name: 'event_store.append',
            status: { code: SpanStatusCode.UNSET },
            attributes: { 'error.type': 'WrongExpectedVersionError', 'lead.event_store.event_count': 1 },
          });
        } finally {
          trace.disable();
        }
      });
    });
  });
}
