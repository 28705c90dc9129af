/**
 * HTTP throughput and latency with autocannon (64 connections). Each scenario runs BENCH_ROUNDS times (default
 * 3), every round alternating three servers on the same request: bare Fastify (the ceiling on this machine),
 * NestJS on Fastify with one empty controller (what the framework alone costs), and the service (from `dist/`,
 * in its own process, on the embedded store). Medians are reported, and each share is the median of the
 * per-round ratios, so a burst of load from elsewhere on a shared 2-core box moves one round, not the result.
 * Run: npm run bench:http   (BENCH_SECONDS per run, default 10; BENCH_ROUNDS, default 3; BENCH_BASELINE=<older dist/>
 * to run that build alongside, in the same rounds; BENCH_PORT, default 3900, the first of the five ports used)
 * "create ticket" also runs, in the same rounds, on a second service from the same dist/ with
 * LEAD_PERSONAL_DATA_ENCRYPTION=off (its own data dir and port): the on / off ratio is the cost of sealing.
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '../src/platform/auth/client-registry';
import { envInt, printTable, tempDir } from './lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const SECONDS = envInt('BENCH_SECONDS', 10);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const CONNECTIONS = 64;
const PORT = envInt('BENCH_PORT', 3900);
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

interface Service {
  process: ChildProcess;
  base: string;
  ids: string[];
  staffHeaders: Record<string, string>;
}

// A signed-in storefront user (header mode, the default): an anonymous caller reads a ticket only with its
// access key, so without a user every GET would be a 404 and the scenario would measure refusals.
const HEADERS = { authorization: AUTH, 'content-type': 'application/json', 'x-user-id': 'bench-user' };

/**
 * The service from `main` (dist/main.js, or a baseline build) on `port`, with its own store in `dir`, 200
 * tickets and a staff token. BENCH_CPU_PROF=<dir>: it runs under `node --cpu-prof` and writes its profile there
 * at the end (summarise it with `node bench/profile-summary.js <dir>/<file>.cpuprofile`).
 */
async function startService(
  main: string,
  port: number,
  dir: string,
  profileDir: string | undefined,
  env: Record<string, string> = {},
): Promise<Service> {
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '-r', join(__dirname, 'exit-on-sigusr2.js')] : [];
  const child = spawn(process.execPath, [...profiling, main], {
    env: { ...process.env, PORT: String(port), LEAD_DATA_DIR: dir, LOG_LEVEL: 'warn', LEAD_RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForPort(`${base}/docs/json`);
  const storefront = `${base}/service/application/lead/v1.0`;
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) ids.push((await json(`${storefront}/ticket/`, { method: 'POST', headers: HEADERS, body: BODY }))._id);
  if ((await fetch(`${storefront}/ticket/${ids[0]}`, { headers: HEADERS })).status !== 200)
    throw new Error('GET ticket does not answer 200');
  const token = await json(`${base}/service/panel/authentication/v1.0/company/1/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${STAFF.client_id}:${STAFF.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const staffHeaders = { authorization: `Bearer ${token.access_token}` };
  if ((await fetch(`${base}${LIST_PATH}`, { headers: staffHeaders })).status !== 200) throw new Error('the staff list does not answer 200');
  return { process: child, base, ids, staffHeaders };
}

const LIST_PATH = '/service/platform/lead/v1.0/company/1/ticket?page_size=12';

/** The service's requests for each scenario. */
function serviceRequests(service: Service): Record<string, Record<string, unknown>> {
  const storefront = `${service.base}/service/application/lead/v1.0`;
  const pick = () => service.ids[Math.floor(Math.random() * service.ids.length)];
  return {
    'create ticket': { url: `${storefront}/ticket/`, method: 'POST', headers: HEADERS, body: BODY },
    'add history': {
      url: storefront,
      headers: HEADERS,
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
    'get ticket': {
      url: storefront,
      headers: HEADERS,
      requests: [{ method: 'GET', setupRequest: (req: any) => ({ ...req, path: `/service/application/lead/v1.0/ticket/${pick()}` }) }],
    },
    'list tickets (staff, 12 a page)': { url: `${service.base}${LIST_PATH}`, headers: service.staffHeaders },
  };
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
    const profileDir = process.env.BENCH_CPU_PROF;
    const main = join(__dirname, '..', 'dist', 'main.js');
    const service = await startService(main, PORT, tmp.dir, profileDir);
    children.push(service.process);
    // The same build with personal-data encryption off, on a store of its own: "create ticket" runs on both in
    // the same rounds, so the on / off ratio is the cost of sealing under the same load.
    const plainDir = tmp.file('plaintext');
    mkdirSync(plainDir);
    copyFileSync(tmp.file('clients.json'), join(plainDir, 'clients.json'));
    const plain = await startService(main, PORT + 4, plainDir, undefined, { LEAD_PERSONAL_DATA_ENCRYPTION: 'off' });
    children.push(plain.process);
    // BENCH_BASELINE=<a copy of an older dist/>: that build runs too, in the same rounds, on a store of its own,
    // so a change is measured side by side with what it replaces under the same load.
    let baseline: Service | undefined;
    if (process.env.BENCH_BASELINE) {
      const dir = tmp.file('baseline');
      mkdirSync(dir);
      copyFileSync(tmp.file('clients.json'), join(dir, 'clients.json'));
      baseline = await startService(join(resolve(process.env.BENCH_BASELINE), 'main.js'), PORT + 3, dir, undefined);
      children.push(baseline.process);
    }
    const barePort = PORT + 1;
    children.push(fork(join(__dirname, 'bare-fastify.js'), [], { env: { ...process.env, PORT: String(barePort) }, stdio: 'ignore' }));
    const nestPort = PORT + 2;
    children.push(fork(join(__dirname, 'nest-empty.js'), [], { env: { ...process.env, PORT: String(nestPort) }, stdio: 'ignore' }));
    await waitForPort(`http://127.0.0.1:${barePort}/bare/x`);
    await waitForPort(`http://127.0.0.1:${nestPort}/nest/x`);

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
    const ours = serviceRequests(service);
    const before = baseline && serviceRequests(baseline);
    const plaintext = serviceRequests(plain);
    const scenarios = Object.keys(ours).map((name) => ({
      name,
      ours: ours[name],
      before: before?.[name],
      plain: name === 'create ticket' ? plaintext[name] : undefined,
      bare: name.startsWith('list') || name.startsWith('get') ? bareGet : barePost,
      nest: name.startsWith('list') || name.startsWith('get') ? nestGet : nestPost,
    }));
    // e.g. BENCH_ONLY=get to run the scenarios whose name contains it, BENCH_ONLY=get,list for either
    const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
    const rows: (string | number)[][] = [];
    let encryption: string | undefined;
    for (const scenario of scenarios.filter((s) => !only?.length || only.some((word) => s.name.includes(word)))) {
      const rounds: Rounds & { before: Result[]; plain: Result[] } = { bare: [], nest: [], ours: [], before: [], plain: [] };
      for (let round = 0; round < ROUNDS; round++) {
        rounds.bare.push(await run('bare', scenario.bare));
        rounds.nest.push(await run('nest', scenario.nest));
        // With a baseline, the two builds take turns going first, so neither always runs right after the ceiling.
        if (scenario.before && round % 2 === 1) rounds.before.push(await run('baseline', scenario.before));
        // Encryption off alternates first and last too, so the two are measured under the same load.
        if (scenario.plain && round % 2 === 1) rounds.plain.push(await run('encryption off', scenario.plain));
        rounds.ours.push(await run(scenario.name, scenario.ours));
        if (scenario.plain && round % 2 === 0) rounds.plain.push(await run('encryption off', scenario.plain));
        if (scenario.before && round % 2 === 0) rounds.before.push(await run('baseline', scenario.before));
        console.error(
          `${scenario.name}, round ${round + 1}/${ROUNDS}: ${rounds.ours[round].rps.toFixed(0)} req/s (bare ${rounds.bare[round].rps.toFixed(0)}, NestJS ${rounds.nest[round].rps.toFixed(0)}${scenario.plain ? `, encryption off ${rounds.plain[round].rps.toFixed(0)}` : ''}${scenario.before ? `, baseline ${rounds.before[round].rps.toFixed(0)}` : ''})`,
        );
      }
      const method = scenario.bare === barePost ? 'POST' : 'GET';
      const row = (result: Result) => [result.name, result.rps, result.p50, result.p99, String(result.errors), String(result.non2xx)];
      rows.push([...row(summary(scenario.name, rounds.ours)), share(rounds.ours, rounds.bare), share(rounds.ours, rounds.nest)]);
      if (scenario.plain) {
        rows.push([
          ...row(summary(`  ${scenario.name}, encryption off`, rounds.plain)),
          share(rounds.plain, rounds.bare),
          share(rounds.plain, rounds.nest),
        ]);
        // The median of the per-round ratios, as the shares: one burst of load elsewhere moves one round.
        encryption = `create ticket, encryption on / off: ${(median(rounds.ours.map((r, i) => r.rps / rounds.plain[i].rps)) * 100).toFixed(0)}% (per round: ${rounds.ours.map((r, i) => (r.rps / rounds.plain[i].rps).toFixed(2)).join(', ')})`;
      }
      if (scenario.before) {
        const name = `  ${scenario.name}, baseline (${process.env.BENCH_BASELINE})`;
        rows.push([...row(summary(name, rounds.before)), share(rounds.before, rounds.bare), share(rounds.before, rounds.nest)]);
      }
      rows.push([...row(summary(`  NestJS on Fastify, empty ${method} route`, rounds.nest)), share(rounds.nest, rounds.bare), '-']);
      rows.push([...row(summary(`  bare Fastify ${method} (ceiling)`, rounds.bare)), '-', '-']);
    }
    if (profileDir) {
      const exited = new Promise((resolve) => service.process.once('exit', resolve));
      service.process.kill('SIGUSR2');
      await exited;
    }
    printTable(
      `HTTP, autocannon ${CONNECTIONS} connections, ${SECONDS} s per run, medians of ${ROUNDS} alternating rounds (embedded SQLite store, synchronous=FULL)`,
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'share of bare Fastify', 'share of empty NestJS'],
      rows,
    );
    if (encryption) console.log(`\n${encryption}`);
  } finally {
    stop();
    tmp.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
