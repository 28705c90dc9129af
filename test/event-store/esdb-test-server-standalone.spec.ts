import { spawn } from 'node:child_process';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';

/** `npm run esdb:test-server` starts the double on its own and prints a connection string the client can use. */
describe('npm run esdb:test-server', () => {
  it('prints its connection string and serves appends and reads there', async () => {
    const child = spawn('npm', ['run', '-s', 'esdb:test-server'], {
      cwd: `${__dirname}/../..`,
      env: { ...process.env, ESDB_TEST_SERVER_PORT: '0' },
      detached: true, // its own process group: npm, the shell and ts-node end together
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no connection string within 30 s: ${out}`)), 30_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /esdb:\/\/127\.0\.0\.1:\d+\?tls=false/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const client = EventStoreDBClient.connectionString(url);
      try {
        await client.appendToStream('standalone-1', jsonEvent({ type: 'Hello', data: { n: 1 } }));
        const read = [];
        for await (const e of client.readStream('standalone-1')) read.push(e.event?.data);
        expect(read).toEqual([{ n: 1 }]);
      } finally {
        await client.dispose();
      }
    } finally {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    }
  }, 60_000);
});
