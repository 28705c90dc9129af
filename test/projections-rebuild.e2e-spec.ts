import { TicketProjection } from '../src/modules/tickets/read-model/ticket.projection';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/platform/sqlite/sqlite-database';
import { CheckpointStore } from '../src/platform/projections/checkpoint-store';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { APPS, TestApp, startTestApp, storefrontAuth } from './support/test-app';
import { seedTicketLog } from './support/ticket-log';

const BASE = '/service/application/lead/v1.0';
const TICKETS = 800; // x 10 events = 8,000 events

/** Runs the projections CLI as an operator would, in its own process, against the service's database. */
function runCli(dir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/projections.cli.ts', ...args], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, LEAD_DATA_DIR: dir },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * Requests that keep hitting the API until `until` settles: each worker opens a ticket, reads it back, and
 * reads a seeded one. Every answer must be 2xx and every read must find its ticket with its number.
 */
/** The storefront user seedTicketLog filed a seeded ticket under (tickets are readable by their opener only). */
const seededOwner = (ids: string[], id: string) => (ids.includes(id) ? `u${ids.indexOf(id) % 1000}` : 'live-user');

async function traffic(t: TestApp, seeded: Map<string, string>, until: Promise<unknown>) {
  let stop = false;
  void until.finally(() => (stop = true));
  const failures: string[] = [];
  const created = new Map<string, string>();
  const ids = [...seeded.keys()];
  let requests = 0;
  const worker = async (w: number) => {
    for (let i = 0; !stop || i < 3; i++) {
      const post = await t.app.inject({
        method: 'POST',
        url: `${BASE}/ticket/`,
        headers: storefrontAuth('a', 'live-user'),
        payload: { category: 'order-issue', content: { title: `live ${w}/${i}` } },
      });
      const id = post.json()._id as string;
      const mine = await t.app.inject({ method: 'GET', url: `${BASE}/ticket/${id}`, headers: storefrontAuth('a', 'live-user') });
      const old = ids[(w * 7919 + i * 104729) % ids.length];
      const theirs = await t.app.inject({
        method: 'GET',
        url: `${BASE}/ticket/${old}`,
        headers: storefrontAuth('a', seededOwner(ids, old)),
      });
      requests += 3;
      if (post.statusCode !== 201) failures.push(`POST ${post.statusCode} ${post.body}`);
      if (mine.statusCode !== 200 || mine.json().ticket_id !== post.json().ticket_id)
        failures.push(`GET new ${mine.statusCode} ${mine.body}`);
      if (theirs.statusCode !== 200 || theirs.json().ticket_id !== seeded.get(old))
        failures.push(`GET seeded ${theirs.statusCode} ${theirs.body}`);
      created.set(id, post.json().ticket_id as string);
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  return { failures, created, requests };
}

describe('projection rebuilds under live traffic (end to end)', () => {
  let t: TestApp;
  let dir: string;
  let seeded: Map<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lead-rebuild-'));
    const { ids, last } = seedTicketLog(join(dir, 'lead.db'), {
      tickets: TICKETS,
      perTicket: 10,
      tenant: { companyId: '1', applicationId: APPS.a.application_id },
    });
    seeded = new Map(ids.map((id, i) => [id, String(i + 1)])); // numbered in log order
    t = await startTestApp({}, dir);
    expect(await t.app.get(ProjectionRunner).waitFor({ commit: last, prepare: last }, 20_000)).toBe(true);
    // Start migrates the seeded tickets' numbers and builds every model from 8,000 events: slow on a loaded 2-core box.
  }, 120_000);
  afterAll(async () => t.dispose());

  const checkpoint = () => {
    const db = openSqlite(join(dir, 'lead.db'));
    try {
      return new CheckpointStore(db).get('tickets');
    } finally {
      db.close();
    }
  };

  it('the CLI replays the tickets model beside the live one and switches it in: no failed request, nothing missing', async () => {
    const cli = runCli(dir, 'replay', 'tickets');
    const { failures, created, requests } = await traffic(t, seeded, cli);
    const { code, output } = await cli;
    expect(output).toMatch(/tickets: generation 2 is live at position \d+/);
    expect(code).toBe(0);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(30);
    expect(checkpoint()).toMatchObject({ generation: 2, version: new TicketProjection().version, lastError: undefined });
    // The service follows the switch, and the rebuilt model numbers every ticket as the live one did.
    for (const [id, number] of [...created, ...[...seeded].slice(0, 50)]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `${BASE}/ticket/${id}`,
        headers: storefrontAuth('a', seededOwner([...seeded.keys()], id)),
      });
      expect(res.json().ticket_id).toBe(number);
    }
    const after = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: storefrontAuth('a'),
      payload: { category: 'order-issue', content: { title: 'after' } },
    });
    expect(after.statusCode).toBe(201);
    expect(after.json().ticket_id).toBe(String(TICKETS + created.size + 1));
    expect(
      t.app
        .get(ProjectionRunner)
        .status()
        .find((s) => s.name === 'tickets'),
    ).toMatchObject({ mode: 'live', generation: 2 });
  });

  it('a new projection version at start is built beside the served model, which answers meanwhile', async () => {
    await t.close();
    const db = openSqlite(join(dir, 'lead.db'));
    db.prepare(`UPDATE projection_checkpoints SET version = 0 WHERE name = 'tickets'`).run(); // as if the code had moved on
    db.close();
    t = await startTestApp({}, dir);
    const runner = t.app.get(ProjectionRunner);
    const rebuilt = new Promise<void>((resolve) => {
      const poll = setInterval(() => runner.status()[0].mode === 'live' && (clearInterval(poll), resolve()), 5);
    });
    const { failures } = await traffic(t, seeded, rebuilt);
    expect(failures).toEqual([]);
    expect(checkpoint()).toMatchObject({ generation: 3, version: new TicketProjection().version });
  });
});
