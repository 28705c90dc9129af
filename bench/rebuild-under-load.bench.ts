/**
 * The "done when" check of blue/green rebuilds, at size: BENCH_EVENTS ticket events (default 100,000) are
 * seeded, the service is started on a real port, and while BENCH_CONCURRENCY clients (default 8) keep
 * opening tickets, reading them back and reading old ones, `npm run projections -- replay tickets` runs in
 * its own process. Prints the requests made, any that failed or did not find their ticket (must be 0), the
 * latency, what /health/ready said during the rebuild, and the CLI's output. Run: npm run bench:rebuild-live
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../src/platform/auth/client-registry';
import { createApp } from '../src/bootstrap';
import { loadSettings } from '../src/platform/config/settings';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { seedTicketLog } from '../test/support/ticket-log';
import { envInt, printTable, tempDir } from './lib';

const EVENTS = envInt('BENCH_EVENTS', 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 8);

async function main() {
  const tmp = tempDir('bench-rebuild-live-');
  const { ids, last } = seedTicketLog(tmp.file('lead.db'), {
    tickets: EVENTS / 10,
    perTicket: 10,
    tenant: { companyId: '1', applicationId: 'app-1' },
  });
  const settings = { ...loadSettings({ LEAD_DATA_DIR: tmp.dir, LOG_LEVEL: 'warn' }), auditAnchorIntervalMs: 0 };
  writeFileSync(
    settings.clientsFile,
    JSON.stringify({
      applications: [{ application_id: 'app-1', company_id: '1', name: 'bench', token_sha256: sha256('bench-token-0123456789') }],
      staff_clients: [],
    }),
  );
  const app = await createApp(settings, { logger: false });
  await app.listen(0, '127.0.0.1');
  const origin = await app.getUrl();
  const base = `${origin}/service/application/lead/v1.0/ticket`;
  console.log(`seeded ${EVENTS.toLocaleString('en-US')} events; first build by the service…`);
  await app.get(ProjectionRunner).waitFor({ commit: last, prepare: last }, 600_000);

  const headers = {
    authorization: `Bearer ${Buffer.from('app-1:bench-token-0123456789').toString('base64')}`,
    'content-type': 'application/json',
  };
  const latencies: number[] = [];
  const problems: string[] = [];
  const readiness = new Map<number, number>();
  let stop = false;
  const timedFetch = async (url: string, init?: RequestInit) => {
    const started = performance.now();
    const res = await fetch(url, { headers, ...init });
    const body = (await res.json()) as { _id?: string; ticket_id?: string };
    latencies.push(performance.now() - started);
    return { status: res.status, body };
  };
  const client = async (c: number) => {
    for (let i = 0; !stop; i++) {
      const post = await timedFetch(`${base}/`, {
        method: 'POST',
        body: JSON.stringify({ category: 'order-issue', content: { title: `load ${c}/${i}` } }),
      });
      if (post.status !== 201) problems.push(`POST ${post.status}`);
      const mine = await timedFetch(`${base}/${post.body._id}`);
      if (mine.status !== 200 || mine.body.ticket_id !== post.body.ticket_id) problems.push(`GET new ${mine.status}`);
      const old = ids[(c * 7919 + i * 104729) % ids.length];
      const theirs = await timedFetch(`${base}/${old}`);
      if (theirs.status !== 200 || theirs.body._id !== old) problems.push(`GET seeded ${theirs.status}`);
    }
  };
  const probe = setInterval(
    () => void fetch(`${origin}/health/ready`).then((r) => readiness.set(r.status, (readiness.get(r.status) ?? 0) + 1)),
    100,
  );
  const clients = Array.from({ length: CONCURRENCY }, (_, c) => client(c));
  const started = Date.now();
  const cli = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/projections.cli.ts', 'replay', 'tickets'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, LEAD_DATA_DIR: tmp.dir },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(out.trim()));
  });
  const seconds = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1500)); // traffic goes on across the service's switch
  stop = true;
  await Promise.all(clients);
  clearInterval(probe);
  await app.close();
  tmp.remove();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  console.log(`\nCLI: ${cli}`);
  printTable(
    'Requests during the rebuild',
    ['events', 'CLI seconds', 'requests', 'failed or missing', 'p50 ms', 'p99 ms', 'max ms', '/health/ready'],
    [
      [
        EVENTS,
        seconds,
        latencies.length,
        String(problems.length),
        pct(50),
        pct(99),
        latencies[latencies.length - 1],
        [...readiness].map(([s, n]) => `${s}: ${n}`).join(', '),
      ],
    ],
  );
  if (problems.length) console.log(problems.slice(0, 10).join('\n'));
  process.exit(problems.length ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
