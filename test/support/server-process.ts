import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { writeClientsFile } from './test-app';

/** The real service in a child process (ts-node, transpile only), so a test can kill -9 it. */
export interface ServerProcess {
  readonly url: string;
  readonly output: () => string;
  readonly pid: number;
  /** SIGKILL: no shutdown hook runs, in-flight requests are cut off. */
  kill9(): Promise<void>;
  /** Any other signal, e.g. SIGSTOP / SIGCONT to make a hung process and wake it again. */
  signal(signal: NodeJS.Signals): void;
}

export const TEST_TOKEN_SECRET = 'server-process-token-secret';

export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: 'true',
      HOST: '127.0.0.1',
      PORT: String(port),
      LEAD_DATA_DIR: dataDir,
      LEAD_CLIENTS_FILE: writeClientsFile(dataDir),
      LEAD_TOKEN_SECRET: TEST_TOKEN_SECRET,
      LEAD_RATE_LIMIT_PER_MINUTE: '0',
      LEAD_AUDIT_ANCHOR_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    pid: child.pid!,
    signal: (signal) => void child.kill(signal),
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  await waitUntilListening(server, child);
  return server;
}

async function waitUntilListening(server: ServerProcess, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${server.output()}`);
    try {
      // Any answer means Nest is up: main.ts listens only after the application has initialised.
      await fetch(`${server.url}/ready-probe`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  await server.kill9();
  throw new Error(`the server did not listen within 30 s:\n${server.output()}`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
    probe.once('error', fail);
  });
}
