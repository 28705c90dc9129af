import { testChainKey } from '../support/recorded-events';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  EventStoreDBClient,
  MaxAppendSizeExceededError,
  StreamDeletedError as EsdbStreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  jsonEvent,
} from '@eventstore/db-client';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { BatchAppendReq, BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { handleCommand } from '../../src/platform/command/command-handler';
import { KeyedLock } from '../../src/platform/command/keyed-lock';
import {
  AppendTooLargeError,
  NewEvent,
  StoreUnavailableError,
  StreamDeletedError,
  comparePositions,
} from '../../src/platform/event-store/event-store.port';
import { EventStoreDbEventStore } from '../../src/platform/event-store/eventstoredb.event-store';
import { EsdbTestServer, startEsdbTestServer } from '../support/esdb-test-server';

/**
 * The test server is as strict as a real one (KurrentDB 23.10–25 rules: append limit, self-committed positions,
 * ALREADY_EXISTS on BatchAppend conflicts, deletes, tombstones, stream metadata) and injects, per test, the faults a
 * real cluster shows (not ready, timeouts, deadlines, NotLeader, a dropped fast retry, a restart losing data). Each
 * fault test asserts that the fault fired (server counter) and what the adapter made of it.
 */
const ev = (n: number, id?: string): NewEvent => ({ id, type: 'StrictTested', data: { n } });
const big = (bytes: number) => jsonEvent({ type: 'Big', data: { pad: 'x'.repeat(bytes) } });

for (const batchAppend of [false, true]) {
  describe(`EventStoreDB test server, strict, appends via ${batchAppend ? 'BatchAppend' : 'Append'}`, () => {
    let server: EsdbTestServer;
    let client: EventStoreDBClient;
    let store: EventStoreDbEventStore;
    const retries: string[] = [];

    beforeAll(async () => {
      server = await startEsdbTestServer({ batchAppend, systemEventEvery: 0 });
      client = EventStoreDBClient.connectionString(server.connectionString);
      store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString), {
        retry: { initialDelayMs: 20, maxDelayMs: 200, giveUpAfterMs: 3000 },
        onRetry: (operation) => retries.push(operation),
      });
    });
    afterAll(async () => {
      await store?.close();
      await client?.dispose();
      await server?.stop();
    });
    beforeEach(async () => {
      retries.length = 0;
      await server.clearFaults();
    });
    const faultsFired = async () => (await server.counters()).faults;

    describe('limits and positions', () => {
      it('refuses an append over 1 MiB by default (nothing written); the limit counts the whole append', async () => {
        const s = `big-${randomUUID()}`;
        await expect(client.appendToStream(s, [big(1_048_600)])).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
        // Two events of 600 KB: each fits, together they do not.
        await expect(client.appendToStream(s, [big(600_000), big(600_000)])).rejects.toMatchObject({ maxAppendSize: 1_048_576 });
        await expect(client.readStream(s)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StreamNotFoundError);
        await client.appendToStream(s, [big(1_000_000)]);
      });

      it('the adapter refuses it before sending, and maps the server refusal when the server is configured lower', async () => {
        const s = `big-adapter-${randomUUID()}`;
        const before = (await server.counters()).appends;
        await expect(
          store.append(s, [{ type: 'Big', data: { pad: 'x'.repeat(1_048_600) } }], { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(AppendTooLargeError);
        expect((await server.counters()).appends).toBe(before);

        const small = await startEsdbTestServer({ batchAppend, maxAppendSize: 1000 });
        const lenient = new EventStoreDbEventStore(EventStoreDBClient.connectionString(small.connectionString), { maxAppendSize: 10_000 });
        try {
          const error = await lenient
            .append(s, [{ type: 'Big', data: { pad: 'x'.repeat(2000) } }], { expectedRevision: 'no_stream' })
            .catch((e) => e);
          expect(error).toBeInstanceOf(AppendTooLargeError);
          expect(error.maxAppendSize).toBe(1000);
          expect(await lenient.readStream(s)).toEqual([]);
        } finally {
          await lenient.close();
          await small.stop();
        }
      });

      it('every event is self-committed: commit = prepare, distinct per event; the answer carries the last one', async () => {
        const s = `pos-${randomUUID()}`;
        const result = await store.append(s, [ev(0), ev(1), ev(2)], { expectedRevision: 'no_stream' });
        const events = await store.readStream(s);
        for (const e of events) expect(e.position.commit).toBe(e.position.prepare);
        expect(new Set(events.map((e) => e.position.commit)).size).toBe(3);
        expect(result.position).toEqual(events[2].position);
        const all = (await store.readAll()).filter((e) => e.streamName === s);
        expect(all.map((e) => e.position)).toEqual(events.map((e) => e.position));
        // A read from a single-number cursor (the event's own position) starts right after it.
        const after = await store.readAll({ fromPosition: { commit: events[0].position.commit, prepare: events[0].position.commit } });
        expect(after.filter((e) => e.streamName === s).map((e) => e.data.n)).toEqual([1, 2]);
      });
    });

    describe('deletes, tombstones and stream metadata', () => {
      it('$maxCount and $tb hide events from stream reads but not from $all', async () => {
        const s = `meta-${randomUUID()}`;
        await store.append(
          s,
          [0, 1, 2, 3, 4].map((n) => ev(n)),
          { expectedRevision: 'no_stream' },
        );
        await client.setStreamMetadata(s, { maxCount: 2 });
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([3n, 4n]);
        await client.setStreamMetadata(s, { truncateBefore: 1 });
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([1n, 2n, 3n, 4n]);
        expect((await store.readStream(s, { direction: 'backwards', maxCount: 2 })).map((e) => e.revision)).toEqual([4n, 3n]);
        expect((await store.readAll()).filter((e) => e.streamName === s)).toHaveLength(5);
      });

      it('$maxAge hides events older than it', async () => {
        const s = `age-${randomUUID()}`;
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        await new Promise((r) => setTimeout(r, 1100));
        await store.append(s, [ev(1)], { expectedRevision: 0n });
        await client.setStreamMetadata(s, { maxAge: 1 });
        expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([1]);
      });

      it('a soft-deleted stream reads as not found and continues at its old revision; the adapter refuses it', async () => {
        const s = `del-${randomUUID()}`;
        await store.append(s, [ev(0), ev(1)], { expectedRevision: 'no_stream' });
        await client.deleteStream(s, { expectedRevision: 1n });
        await expect(client.readStream(s)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StreamNotFoundError);
        // Not an empty stream to the service: deciding on it as new would write at revision 2 a hash chained as 0.
        await expect(store.readStream(s)).rejects.toMatchObject({ name: 'StreamDeletedError', how: 'deleted' });
        await client.appendToStream(s, jsonEvent({ type: 'StrictTested', data: { n: 2 } }), { expectedRevision: 1n });
        const read = [];
        for await (const e of client.readStream(s)) read.push(e.event?.revision);
        expect(read).toEqual([2n]);
        // A stream that never existed still reads as empty.
        expect(await store.readStream(`never-${randomUUID()}`)).toEqual([]);
      });

      it('a tombstoned stream refuses reads and writes for good', async () => {
        const s = `tomb-${randomUUID()}`;
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        await client.tombstoneStream(s);
        await expect(client.appendToStream(s, jsonEvent({ type: 'X', data: {} }))).rejects.toBeInstanceOf(EsdbStreamDeletedError);
        await expect(store.readStream(s)).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(store.append(s, [ev(1)], { expectedRevision: 0n })).rejects.toBeInstanceOf(StreamDeletedError);
        await expect(client.deleteStream(s)).rejects.toBeInstanceOf(EsdbStreamDeletedError);
      });

      it('the command path refuses truncated, soft-deleted and tombstoned streams instead of folding a partial history', async () => {
        const lock = new KeyedLock();
        const decider = { initialState: 0, evolve: (n: number) => n + 1, decide: () => [{ type: 'Counted', data: {} }] };
        const run = (s: string) => handleCommand(store, lock, testChainKey, s, decider, {}, { commandId: randomUUID(), metadata: {} });
        const truncated = `cmd-trunc-${randomUUID()}`;
        await run(truncated);
        await run(truncated);
        await client.setStreamMetadata(truncated, { maxCount: 1 });
        await expect(run(truncated)).rejects.toMatchObject({ name: 'StreamDeletedError', how: 'truncated' });
        const deleted = `cmd-del-${randomUUID()}`;
        await run(deleted);
        await client.deleteStream(deleted);
        await expect(run(deleted)).rejects.toMatchObject({ name: 'StreamDeletedError', how: 'deleted' });
        const tombstoned = `cmd-tomb-${randomUUID()}`;
        await run(tombstoned);
        await client.tombstoneStream(tombstoned);
        await expect(run(tombstoned)).rejects.toMatchObject({ name: 'StreamDeletedError', how: 'tombstoned' });
        // Nothing was written to any of them after the operator's action.
        const all = await store.readAll();
        expect(all.filter((e) => e.streamName === truncated)).toHaveLength(2);
        expect(all.filter((e) => e.streamName === deleted)).toHaveLength(1);
      });
    });

    describe('faults the adapter survives', () => {
      it('not ready (startup, election): retried, written once', async () => {
        const s = `notready-${randomUUID()}`;
        await server.inject({ kind: 'not-ready', times: 2 });
        const fired = await faultsFired();
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        expect((await faultsFired()) - fired).toBe(2);
        expect(retries.filter((r) => r === `append to ${s}`)).toHaveLength(2);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('the client sees the real error classes for not-ready', async () => {
        await server.inject({ kind: 'not-ready' });
        const error = await client.appendToStream(`raw-${randomUUID()}`, jsonEvent({ type: 'X', data: {} })).catch((e) => e);
        // BatchAppend: an error status with no known details; Append: UNAVAILABLE.
        if (batchAppend) expect(error.message).toMatch(/Could not recognize Server Is Not Ready/);
        else expect(error.type).toBe('unavailable');
      });

      for (const kind of ['timeout', 'deadline'] as const) {
        for (const commit of [false, true]) {
          it(`${kind} ${commit ? 'after' : 'before'} the write committed: an exact-revision append is retried and lands once`, async () => {
            const s = `${kind}-${commit}-${randomUUID()}`;
            await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
            await server.inject({ kind, commit });
            const fired = await faultsFired();
            const result = await store.append(s, [ev(1), ev(2)], { expectedRevision: 0n });
            expect(result.nextExpectedRevision).toBe(2n);
            expect((await faultsFired()) - fired).toBe(1);
            expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1, 2]);
          });
        }
        it(`${kind} on an append with expected revision "any" is a StoreUnavailableError, not retried`, async () => {
          const s = `${kind}-any-${randomUUID()}`;
          await server.inject({ kind, commit: false });
          await expect(store.append(s, [ev(0)], { expectedRevision: 'any' })).rejects.toBeInstanceOf(StoreUnavailableError);
          expect(retries).toEqual([]);
        });
      }

      it('a fast retry while the original is still replicating is dropped; backoff gets it through, once', async () => {
        const s = `slow-${randomUUID()}`;
        await server.inject({ kind: 'slow-replication', windowMs: 300 });
        const fired = await faultsFired();
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        // The first attempt plus at least one dropped retry.
        expect((await faultsFired()) - fired).toBeGreaterThanOrEqual(2);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('NotLeader on a stream read and on an append: the client follows the hint, the adapter retries', async () => {
        const s = `leader-${randomUUID()}`;
        await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
        // Only calls that say `requires-leader` meet this fault: it firing proves the adapter asks for the leader.
        await server.inject({ kind: 'not-leader' });
        let fired = await faultsFired();
        expect(await store.readStream(s)).toHaveLength(1);
        expect((await faultsFired()) - fired).toBe(1);
        await server.inject({ kind: 'not-leader' });
        fired = await faultsFired();
        await store.append(s, [ev(1)], { expectedRevision: 0n });
        expect((await faultsFired()) - fired).toBe(1);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('gives up with StoreUnavailableError when the node stays not ready', async () => {
        const impatient = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString), {
          retry: { initialDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 300 },
        });
        try {
          await server.inject({ kind: 'not-ready', times: 1000 });
          await expect(impatient.append(`stuck-${randomUUID()}`, [ev(0)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
            StoreUnavailableError,
          );
        } finally {
          await server.clearFaults();
          await impatient.close();
        }
      });
    });
  });
}

describe('EventStoreDB test server: conflicts on the wire and restarts', () => {
  let server: EsdbTestServer;
  beforeAll(async () => {
    server = await startEsdbTestServer({ batchAppend: true });
  });
  afterAll(async () => server?.stop());

  it('a BatchAppend conflict is an ALREADY_EXISTS status carrying WrongExpectedVersion', async () => {
    const client = EventStoreDBClient.connectionString(server.connectionString);
    const s = `conflict-${randomUUID()}`;
    await client.appendToStream(s, jsonEvent({ type: 'X', data: {} }));
    await expect(client.appendToStream(s, jsonEvent({ type: 'X', data: {} }), { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      EsdbWrongExpectedVersionError,
    );
    await client.dispose();

    const raw = new StreamsClient(server.connectionString.replace(/^esdb:\/\/([^?]+).*$/, '$1'), grpc.credentials.createInsecure());
    const call = raw.batchAppend();
    const answer = new Promise<BatchAppendResp>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
    });
    const options = new BatchAppendReq.Options()
      .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(s)))
      .setNoStream(new Empty());
    call.write(new BatchAppendReq().setCorrelationId(new UUID().setString(randomUUID())).setOptions(options).setIsFinal(true));
    const resp = await answer;
    call.end();
    raw.close();
    expect(resp.getError()?.getCode()).toBe(Code.ALREADY_EXISTS);
    expect(resp.getError()?.getDetails()?.getTypeName()).toBe('event_store.client.WrongExpectedVersion');
  });

  it('a restart keeps the log by default; one that loses data starts from nothing', async () => {
    const store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString), {
      retry: { initialDelayMs: 20, giveUpAfterMs: 5000 },
    });
    try {
      const s = `restart-${randomUUID()}`;
      await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
      await server.restart({ downMs: 100 });
      expect(await store.readStream(s)).toHaveLength(1);
      await server.restart({ downMs: 100, keepData: false });
      expect(await store.readStream(s)).toEqual([]);
      expect((await store.readAll()).filter((e) => e.streamName === s)).toEqual([]);
      const last = (await store.readAll()).at(-1);
      if (last) expect(comparePositions(last.position, { commit: 0n, prepare: 0n })).toBe(1);
    } finally {
      await store.close();
    }
  });
});
