import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import {
  NewEvent,
  Position,
  RecordedEvent,
  StoreUnavailableError,
  comparePositions,
} from '../../src/platform/event-store/event-store.port';
import { EventStoreDbEventStore, connectEventStoreDb } from '../../src/platform/event-store/eventstoredb.event-store';
import { EsdbTestServer, startEsdbTestServer } from '../support/esdb-test-server';

/**
 * The adapter against a server that dies: connections reset mid-subscription and mid-append, the port closed for a
 * while, an append committed whose answer never arrives. Every scenario asserts exact sequences, so a lost or a
 * duplicated event fails it, and asserts that the fault really happened (retries seen, server counters).
 */
const ev = (n: number, id?: string): NewEvent => ({ id, type: 'FaultTested', data: { n } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const batchAppend of [false, true]) {
  describe(`EventStoreDB adapter under faults, appends via ${batchAppend ? 'BatchAppend' : 'Append'}`, () => {
    let server: EsdbTestServer;
    let store: EventStoreDbEventStore;
    const retries: string[] = [];

    beforeAll(async () => {
      server = await startEsdbTestServer({ batchAppend });
      const client = EventStoreDBClient.connectionString(server.connectionString);
      store = new EventStoreDbEventStore(client, {
        retry: { initialDelayMs: 20, maxDelayMs: 200, giveUpAfterMs: 5000 },
        onRetry: (operation) => retries.push(operation),
      });
    });
    afterAll(async () => {
      await store?.close();
      await server?.stop();
    });
    beforeEach(async () => {
      retries.length = 0;
      await server.resume();
    });

    const mark = async (): Promise<Position> =>
      (await store.append(`mark-${randomUUID()}`, [ev(-1)], { expectedRevision: 'no_stream' })).position;

    it('a subscription survives resets and downtime in catch-up and live, resuming after the last delivered event', async () => {
      const start = await mark();
      const s = `sub-${randomUUID()}`;
      for (let n = 0; n < 200; n += 10)
        await store.append(
          s,
          range(n, n + 10).map((i) => ev(i)),
          { expectedRevision: 'any' },
        );
      const before = await server.counters();

      const sub = store.subscribeToAll({ fromPosition: start });
      let live: Promise<void> | undefined;
      const seen: RecordedEvent[] = [];
      for await (const e of sub) {
        if (e.streamName !== s) continue;
        seen.push(e);
        // Catch-up: the client has buffered events it has not delivered yet; they must come again, once.
        if (seen.length === 50) await server.restart({ downMs: 300 });
        if (seen.length === 120) await server.dropConnections();
        if (seen.length === 200) {
          live = (async () => {
            for (let n = 200; n < 300; n++) await store.append(s, [ev(n)], { expectedRevision: BigInt(n - 1) });
          })();
        }
        // Live: the writer keeps going and retries its own appends through the same faults.
        if (seen.length === 230) await server.dropConnections();
        if (seen.length === 260) await server.restart({ downMs: 300 });
        if (seen.length === 300) break;
      }
      await sub.close();
      await live;

      expect(seen.map((e) => e.data.n)).toEqual(range(0, 300));
      expect(seen.map((e) => e.revision)).toEqual(range(0, 300).map(BigInt));
      for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBe(-1);
      expect(retries).toContain('subscribe to $all');
      expect((await server.counters()).subscriptions - before.subscriptions).toBeGreaterThanOrEqual(5);
      expect(await store.readStream(s)).toHaveLength(300);
    });

    it('an append made while the server is down waits for it and lands once', async () => {
      const s = `down-${randomUUID()}`;
      await server.pause();
      const pending = store.append(s, [ev(0), ev(1)], { expectedRevision: 'no_stream' });
      await sleep(300);
      await server.resume();
      expect((await pending).nextExpectedRevision).toBe(1n);
      expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1]);
      expect(retries.filter((r) => r === `append to ${s}`).length).toBeGreaterThan(0);
    });

    it('an append committed but never answered is retried with the same ids and not written twice', async () => {
      const s = `lost-${randomUUID()}`;
      await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
      const before = await server.counters();
      await server.failNextAppend('after-commit');
      // No ids given: the adapter assigns them once, before the first attempt, so the retry is recognised.
      const result = await store.append(s, [ev(1), ev(2)], { expectedRevision: 0n });
      expect(result.nextExpectedRevision).toBe(2n);
      expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1, 2]);
      expect((await server.counters()).appends - before.appends).toBe(2);
    });

    it('the same holds for a first append with no_stream', async () => {
      const s = `lost-new-${randomUUID()}`;
      await server.failNextAppend('after-commit');
      const result = await store.append(s, [ev(0)], { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(0n);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('an append lost before commit is retried and written once', async () => {
      const s = `lost-before-${randomUUID()}`;
      await server.failNextAppend('before-commit');
      await store.append(s, [ev(0), ev(1)], { expectedRevision: 'no_stream' });
      expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1]);
    });

    it('gives up with StoreUnavailableError while the server stays down; ping tells readiness', async () => {
      const impatient = new EventStoreDbEventStore(EventStoreDBClient.connectionString(server.connectionString), {
        retry: { initialDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 300 },
      });
      try {
        await impatient.ping();
        await server.pause();
        await expect(impatient.append(`x-${randomUUID()}`, [ev(0)], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        await expect(impatient.readStream('x')).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(impatient.readAll({ maxCount: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(impatient.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        await server.resume();
        await expect(impatient.ping()).resolves.toBeUndefined();
      } finally {
        await impatient.close();
      }
    });
  });
}

describe('connectEventStoreDb', () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

  it('fails fast, naming the connection string, when nothing listens', async () => {
    const url = `esdb://admin:s3cret@127.0.0.1:${await freePort()}?tls=false`;
    const started = Date.now();
    const error = await connectEventStoreDb(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(url.replace('s3cret', '***'));
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('connects when the server answers', async () => {
    const server = await startEsdbTestServer({ batchAppend: true });
    try {
      const store = await connectEventStoreDb(server.connectionString);
      await store.close();
    } finally {
      await server.stop();
    }
  });
});
