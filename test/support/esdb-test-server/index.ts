import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { Fault } from './services';

export type { Fault } from './services';

/**
 * A wire-level EventStoreDB double for tests: a gRPC server built on the client package's own generated service
 * definitions, in a child process, spoken to by the unmodified `@eventstore/db-client` over plain h2c.
 * By default it is as strict as KurrentDB 23.10–25 where the adapter can tell: the 1 MiB append limit on both
 * append paths, self-committed positions, ALREADY_EXISTS on BatchAppend conflicts, deletes, tombstones and stream
 * metadata (`$maxCount`, `$maxAge`, `$tb`). Faults are injected per test (`inject`, `restart`). It proves nothing
 * about system projections, ACLs, TLS, persistent subscriptions or scavenges: a real server is the final word.
 */
export interface EsdbTestServer {
  /** `esdb://127.0.0.1:PORT?tls=false`; the port stays the same across pause/resume/restart. */
  readonly connectionString: string;
  /**
   * Kill every connection (TCP reset) and stop listening, wait `downMs`, listen again. The log survives unless
   * `keepData: false` (an in-memory node restarted, a wiped volume): then it starts again from nothing.
   */
  restart(options?: { downMs?: number; keepData?: boolean }): Promise<void>;
  /** Kill every connection (TCP reset); keep listening. */
  dropConnections(): Promise<void>;
  /** Kill every connection and stop listening until `resume()`: the server is down. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * The next append (either path) dies with its connection and is never answered: `after-commit` writes it first
   * (the client cannot know it landed), `before-commit` does not.
   */
  failNextAppend(when: 'before-commit' | 'after-commit'): Promise<void>;
  /** Queue a fault for the next call(s) it applies to (see `Fault` in services.ts for what each does on the wire). */
  inject(fault: Fault): Promise<void>;
  /** Forget faults not consumed yet (between tests). */
  clearFaults(): Promise<void>;
  /** How many append requests, subscriptions and fired faults the server has seen, and the size of its log. */
  counters(): Promise<{ appends: number; subscriptions: number; faults: number; events: number }>;
  /** Ends the child process. */
  stop(): Promise<void>;
}

export interface EsdbTestServerOptions {
  /** List `batchappend` in ServerFeatures, so that the client appends over BatchAppend instead of Append. */
  readonly batchAppend: boolean;
  /** A `$statsCollected` system event lands in `$all` after every n-th append (0: never). Default 3. */
  readonly systemEventEvery?: number;
  /** The server's MaxAppendSize in bytes (data + metadata + 2 × type length per event). Default 1 MiB, as the server's. */
  readonly maxAppendSize?: number;
}

const ENTRY = join(__dirname, 'server.ts');

export async function startEsdbTestServer(options: EsdbTestServerOptions): Promise<EsdbTestServer> {
  const child = fork(ENTRY, [], {
    // transpile-only: the child starts in about a second; tsc checks these files with the rest of the project.
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, ESDB_TEST_SERVER_CONFIG: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await ready(child);
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
    const waiter = m.id === undefined ? undefined : pending.get(m.id);
    if (!waiter) return;
    pending.delete(m.id!);
    if (m.ok) waiter.resolve(m.result);
    else waiter.reject(new Error(`esdb test server: ${m.error}`));
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('esdb test server exited'));
    pending.clear();
  });
  const send = <T = void>(command: string, arg?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, command, arg });
    });

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    async restart({ downMs = 0, keepData = true } = {}) {
      await send('pause');
      if (!keepData) await send('wipe');
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await send('resume');
    },
    dropConnections: () => send('drop'),
    pause: () => send('pause'),
    resume: () => send('resume'),
    failNextAppend: (when) => send('inject', { kind: 'disconnect', commit: when === 'after-commit' } satisfies Fault),
    inject: (fault) => send('inject', fault),
    clearFaults: () => send('clearFaults'),
    counters: () => send('counters'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function ready(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('esdb test server did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`esdb test server exited with ${code} before it was ready`)));
    child.once('message', (m: { ready?: boolean; port?: number; error?: string }) => {
      clearTimeout(timer);
      if (m.ready && m.port) resolve(m.port);
      else reject(new Error(`esdb test server failed to start: ${m.error}`));
    });
  });
}
