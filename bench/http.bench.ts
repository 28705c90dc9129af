/**
 * HTTP throughput and latency with autocannon (64 connections). Each scenario runs BENCH_ROUNDS times (default
 * 3), every round alternating three servers on the same request: bare Fastify (the ceiling on this machine),
 * NestJS on Fastify with one empty controller (what the framework alone costs), and the service (from `dist/`,
 * in its own process, on the embedded store). Medians are reported, and each share is the median of the
 * per-round ratios, so a burst of load from elsewhere on a shared 2-core box moves one round, not the result.
 * Run: npm run bench:http   (BENCH_SECONDS per run, default 10; BENCH_ROUNDS, default 3)
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../src/platform/auth/client-registry';
import { envInt, printTable, tempDir } from './lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const SECONDS = envInt('BENCH_SECONDS', 10);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const CONNECTIONS = 64;
const APP = { application_id: '000000000000000000000a01', company_id: '1', token: 'bench-token-0123456789' };
const STAFF = { client_id: 'bench-staff', company_id: '1', secret: 'bench-staff-secret-0123' };
const AUTH = `Bearer ${Buffer.from(`${APP.application_id}:${APP.token}`).toString('base64')}`;
const BODY = JSON.stringify({
  category: 'order-issue',
  content: { title: 'Where is my order?', description: 'It has been a week' },
  priority: 'high',
});

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One scenario: ROUNDS rounds of bare Fastify, empty NestJS, the service, on the same kind of request. */
interface Rounds {
  bare: Result[];
  nest: Result[];
  ours: Result[];
}

function summary(name: string, rounds: Result[]): Result {
  return {
    name,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
  };
}

const share = (ours: Result[], of: Result[]) => `${(median(ours.map((r, i) => r.rps / of[i].rps)) * 100).toFixed(0)}%`;

function run(name: string, opts: Record<string, unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (error: Error | null, r: any) => {
      if (error) return reject(error);
      resolve({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
    });
  });
}

async function waitForPort(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

async function json(url: string, init: RequestInit): Promise<any> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function main() {
  const tmp = tempDir('bench-http-');
  writeFileSync(
    tmp.file('clients.json'),
    JSON.stringify({
      applications: [{ application_id: APP.application_id, company_id: APP.company_id, token_sha256: sha256(APP.token) }],
      staff_clients: [{ client_id: STAFF.client_id, company_id: STAFF.company_id, secret_sha256: sha256(STAFF.secret) }],
    }),
  );
  const children: ChildProcess[] = [];
  const stop = () => children.forEach((c) => c.kill('SIGTERM'));
  process.on('exit', stop);
  try {
    const port = 3900;
    // BENCH_CPU_PROF=<dir>: the service runs under `node --cpu-prof` and writes its profile there at the end
    // (summarise it with `node bench/profile-summary.js <dir>/<file>.cpuprofile`).
    const profileDir = process.env.BENCH_CPU_PROF;
    const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '-r', join(__dirname, 'exit-on-sigusr2.js')] : [];
    const service = spawn(process.execPath, [...profiling, join(__dirname, '..', 'dist', 'main.js')], {
      env: { ...process.env, PORT: String(port), LEAD_DATA_DIR: tmp.dir, LOG_LEVEL: 'warn', LEAD_RATE_LIMIT_PER_MINUTE: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(service);
    const barePort = 3901;
    children.push(fork(join(__dirname, 'bare-fastify.js'), [], { env: { ...process.env, PORT: String(barePort) }, stdio: 'ignore' }));
    const nestPort = 3902;
    children.push(fork(join(__dirname, 'nest-empty.js'), [], { env: { ...process.env, PORT: String(nestPort) }, stdio: 'ignore' }));
    const base = `http://127.0.0.1:${port}`;
    await waitForPort(`${base}/docs/json`);
    await waitForPort(`http://127.0.0.1:${barePort}/bare/x`);
    await waitForPort(`http://127.0.0.1:${nestPort}/nest/x`);

    // A signed-in storefront user (the default `header` identity mode): storefront reads need proof of who
    // opened the ticket, so without it every GET and comment of the bench would be a 404.
    const headers = { authorization: AUTH, 'content-type': 'application/json', 'x-user-id': 'bench-user' };
    const storefront = `${base}/service/application/lead/v1.0`;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await json(`${storefront}/ticket/`, { method: 'POST', headers, body: BODY }))._id);
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    if ((await fetch(`${storefront}/ticket/${ids[0]}`, { headers })).status !== 200) throw new Error('GET ticket does not answer 200');

    const token = await json(`${base}/service/panel/authentication/v1.0/company/1/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${STAFF.client_id}:${STAFF.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const staffHeaders = { authorization: `Bearer ${token.access_token}` };
    const listUrl = `${base}/service/platform/lead/v1.0/company/1/ticket?page_size=12`;
    if ((await fetch(listUrl, { headers: staffHeaders })).status !== 200) throw new Error('the staff list does not answer 200');

    const barePost = {
      url: `http://127.0.0.1:${barePort}/bare`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    };
    const nestPost = {
      url: `http://127.0.0.1:${nestPort}/nest`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    };
    const bareGet = { url: `http://127.0.0.1:${barePort}/bare/6b06e63ad5ee9451d0dc74d1` };
    const nestGet = { url: `http://127.0.0.1:${nestPort}/nest/6b06e63ad5ee9451d0dc74d1` };
    const scenarios: { name: string; ours: Record<string, unknown>; bare: Record<string, unknown>; nest: Record<string, unknown> }[] = [
      {
        name: 'create ticket',
        ours: { url: `${storefront}/ticket/`, method: 'POST', headers, body: BODY },
        bare: barePost,
        nest: nestPost,
      },
      {
        name: 'add history',
        ours: {
          url: storefront,
          headers,
          requests: [
            {
              method: 'POST',
              setupRequest: (req: any) => ({
                ...req,
                path: `/service/application/lead/v1.0/ticket/${pick()}/history`,
                body: JSON.stringify({ type: 'comment', value: { text: 'Any news?', media: [] } }),
              }),
            },
          ],
        },
        bare: barePost,
        nest: nestPost,
      },
      {
        name: 'get ticket',
        ours: {
          url: storefront,
          headers,
          requests: [{ method: 'GET', setupRequest: (req: any) => ({ ...req, path: `/service/application/lead/v1.0/ticket/${pick()}` }) }],
        },
        bare: bareGet,
        nest: nestGet,
      },
      { name: 'list tickets (staff, 12 a page)', ours: { url: listUrl, headers: staffHeaders }, bare: bareGet, nest: nestGet },
    ];
    const only = process.env.BENCH_ONLY; // e.g. BENCH_ONLY=get to run the scenarios whose name contains it
    const rows: (string | number)[][] = [];
    for (const scenario of scenarios.filter((s) => !only || s.name.includes(only))) {
      const rounds: Rounds = { bare: [], nest: [], ours: [] };
      for (let round = 0; round < ROUNDS; round++) {
        rounds.bare.push(await run('bare', scenario.bare));
        rounds.nest.push(await run('nest', scenario.nest));
        rounds.ours.push(await run(scenario.name, scenario.ours));
        console.error(
          `${scenario.name}, round ${round + 1}/${ROUNDS}: ${rounds.ours[round].rps.toFixed(0)} req/s (bare ${rounds.bare[round].rps.toFixed(0)}, NestJS ${rounds.nest[round].rps.toFixed(0)})`,
        );
      }
      const method = scenario.bare === barePost ? 'POST' : 'GET';
      const bare = summary(`  bare Fastify ${method} (ceiling)`, rounds.bare);
      const nest = summary(`  NestJS on Fastify, empty ${method} route`, rounds.nest);
      const ours = summary(scenario.name, rounds.ours);
      rows.push([
        ours.name,
        ours.rps,
        ours.p50,
        ours.p99,
        String(ours.errors),
        String(ours.non2xx),
        share(rounds.ours, rounds.bare),
        share(rounds.ours, rounds.nest),
      ]);
      rows.push([nest.name, nest.rps, nest.p50, nest.p99, String(nest.errors), String(nest.non2xx), share(rounds.nest, rounds.bare), '-']);
      rows.push([bare.name, bare.rps, bare.p50, bare.p99, String(bare.errors), String(bare.non2xx), '-', '-']);
    }
    if (profileDir) {
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGUSR2');
      await exited;
    }
    printTable(
      `HTTP, autocannon ${CONNECTIONS} connections, ${SECONDS} s per run, medians of ${ROUNDS} alternating rounds (embedded SQLite store, synchronous=FULL)`,
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'share of bare Fastify', 'share of empty NestJS'],
      rows,
    );
  } finally {
    stop();
    tmp.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
