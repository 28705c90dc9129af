/**
 * HTTP throughput and latency with autocannon (64 connections), side by side in one run with bare Fastify
 * (the ceiling on this machine). The service runs from `dist/` in its own process on the embedded store.
 * Also: ticket creates on the same build with personal-data encryption off (a second service), alternated with on.
 * Run: npm run bench:http   (BENCH_SECONDS per scenario, default 10)
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../src/platform/auth/client-registry';
import { envInt, printTable, tempDir } from './lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const SECONDS = envInt('BENCH_SECONDS', 10);
// Three ports from here: the service, bare Fastify, the service with encryption off (another run may hold 3900).
const BASE_PORT = envInt('BENCH_PORT', 3900);
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
    const port = BASE_PORT;
    children.push(
      spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
        env: { ...process.env, PORT: String(port), LEAD_DATA_DIR: tmp.dir, LOG_LEVEL: 'warn', LEAD_RATE_LIMIT_PER_MINUTE: '0' },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    const barePort = BASE_PORT + 1;
    children.push(fork(join(__dirname, 'bare-fastify.js'), [], { env: { ...process.env, PORT: String(barePort) }, stdio: 'ignore' }));
    const base = `http://127.0.0.1:${port}`;
    await waitForPort(`${base}/docs/json`);
    await waitForPort(`http://127.0.0.1:${barePort}/bare/x`);

    const headers = { authorization: AUTH, 'content-type': 'application/json' };
    const storefront = `${base}/service/application/lead/v1.0`;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await json(`${storefront}/ticket/`, { method: 'POST', headers, body: BODY }))._id);
    const pick = () => ids[Math.floor(Math.random() * ids.length)];

    const results: Result[] = [];
    const bare = await run('bare Fastify POST (ceiling)', {
      url: `http://127.0.0.1:${barePort}/bare`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });
    const bareGet = await run('bare Fastify GET (ceiling)', { url: `http://127.0.0.1:${barePort}/bare/6b06e63ad5ee9451d0dc74d1` });
    results.push(await run('create ticket', { url: `${storefront}/ticket/`, method: 'POST', headers, body: BODY }));
    results.push(
      await run('add history', {
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
      }),
    );
    results.push(
      await run('get ticket', {
        url: storefront,
        headers,
        requests: [{ method: 'GET', setupRequest: (req: any) => ({ ...req, path: `/service/application/lead/v1.0/ticket/${pick()}` }) }],
      }),
    );
    const token = await json(`${base}/service/panel/authentication/v1.0/company/1/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${STAFF.client_id}:${STAFF.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const listUrl = `${base}/service/platform/lead/v1.0/company/1/ticket?page_size=12`;
    if ((await fetch(listUrl, { headers: { authorization: `Bearer ${token.access_token}` } })).status === 200) {
      results.push(
        await run('list tickets (staff, 12/page)', { url: listUrl, headers: { authorization: `Bearer ${token.access_token}` } }),
      );
    }

    // The same build with personal-data encryption off (LEAD_PERSONAL_DATA_ENCRYPTION=off), its own data
    // directory; creates on the two alternated (off, on, off, on) so that a change in load hits both alike.
    const plainDir = tempDir('bench-http-plain-');
    writeFileSync(plainDir.file('clients.json'), readFileSync(tmp.file('clients.json')));
    const plainPort = BASE_PORT + 2;
    children.push(
      spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
        env: {
          ...process.env,
          PORT: String(plainPort),
          LEAD_DATA_DIR: plainDir.dir,
          LOG_LEVEL: 'warn',
          LEAD_RATE_LIMIT_PER_MINUTE: '0',
          LEAD_PERSONAL_DATA_ENCRYPTION: 'off',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    await waitForPort(`http://127.0.0.1:${plainPort}/docs/json`);
    const plainCreate = `http://127.0.0.1:${plainPort}/service/application/lead/v1.0/ticket/`;
    const pairs: Result[] = [];
    for (let round = 1; round <= 2; round++) {
      pairs.push(await run(`create ticket, encryption off (${round})`, { url: plainCreate, method: 'POST', headers, body: BODY }));
      pairs.push(
        await run(`create ticket, encryption on (${round})`, { url: `${storefront}/ticket/`, method: 'POST', headers, body: BODY }),
      );
    }
    results.push(...pairs);
    const best = (on: boolean) => Math.max(...pairs.filter((r) => r.name.includes(on ? 'on (' : 'off (')).map((r) => r.rps));
    console.log(`create with encryption / without: ${(best(true) / best(false)).toFixed(2)}x (best of 2 runs each)`);
    plainDir.remove();

    const ceiling = (r: Result) => (r.name.startsWith('get') || r.name.startsWith('list') ? bareGet : bare);
    printTable(
      `HTTP, autocannon ${CONNECTIONS} connections, ${SECONDS} s each (embedded SQLite store, synchronous=FULL)`,
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'share of bare Fastify'],
      [bare, bareGet, ...results].map((r) => [
        r.name,
        r.rps,
        r.p50,
        r.p99,
        r.errors,
        r.non2xx,
        r.name.startsWith('bare') ? '-' : `${((r.rps / ceiling(r).rps) * 100).toFixed(0)}%`,
      ]),
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
