/**
 * What read-your-writes through the SLA processor costs a write (docs/sla.md "Staff answers and lists"):
 * ticket creates and staff status edits, 16 at a time, in process on the embedded store, side by side in one
 * run: no matching policy; a matching policy with the processor left to its timer (the block may lag: the
 * behaviour before); a matching policy with writes waiting for the processor (now). Also how often a staff
 * GET right after a create carries the `sla` block.
 * Run: npm run bench:sla-ryw   (BENCH_SECONDS per scenario, default 5)
 */
import { SlaProcessor } from '../src/modules/sla/sla-processor';
import { TestApp, staffAuth, startTestApp, storefrontAuth } from '../test/support/test-app';
import { envInt, printTable } from './lib';

const SECONDS = envInt('BENCH_SECONDS', 5);
const CONCURRENCY = 16;
const SHOP = '/service/application/lead/v1.0';
const DESK = '/service/platform/lead/v1.0/company/1';
const POLICY = {
  name: 'Urgent',
  condition: { priorities: ['urgent'] },
  targets: { first_reply: { minutes: 60, time: 'business' }, resolution: { minutes: 2400, time: 'business' } },
};

interface Scenario {
  name: string;
  policy: boolean;
  wait: boolean;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function load(t: TestApp, write: (n: number) => Promise<void>): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const start = process.hrtime.bigint();
      await write(n++);
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / ((Date.now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function measure(scenario: Scenario): Promise<(string | number)[][]> {
  const t = await startTestApp({ auditAnchorIntervalMs: 0, logLevel: 'silent', slaProcessorIntervalMs: 500 });
  try {
    const staff = await staffAuth(t, 'one', 'agent-1');
    if (scenario.policy) await t.app.inject({ method: 'POST', url: `${DESK}/sla-policies`, headers: staff, payload: POLICY });
    // The behaviour before this change: the processor follows on its timer only, writes do not wait for it.
    if (!scenario.wait) (t.app.get(SlaProcessor) as unknown as { unregister: () => void }).unregister();
    const create = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/`,
        headers: storefrontAuth('a', 'u1'),
        payload: { category: 'order-issue', priority: 'urgent', content: { title: 'Where is my order?' } },
      });
      if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
      return res.json()._id as string;
    };
    const creates = await load(t, async () => void (await create()));
    const tickets = await Promise.all(Array.from({ length: CONCURRENCY }, create));
    const statuses = ['resolved', 'in_progress'];
    const edits = await load(t, async (n) => {
      const res = await t.app.inject({
        method: 'PUT',
        url: `${DESK}/ticket/${tickets[n % CONCURRENCY]}`,
        headers: staff,
        payload: { status: statuses[Math.floor(n / CONCURRENCY) % 2] },
      });
      if (res.statusCode !== 200) throw new Error(`edit: ${res.statusCode} ${res.body}`);
    });
    let fresh = 0;
    const samples = 50;
    for (let i = 0; i < samples; i++) {
      const id = await create();
      if ((await t.app.inject({ method: 'GET', url: `${DESK}/ticket/${id}`, headers: staff })).json().sla) fresh++;
    }
    const shown = scenario.policy ? `${fresh}/${samples}` : '-';
    return [
      [scenario.name, 'create ticket', creates.rps, creates.p50, creates.p99, shown],
      [scenario.name, 'status edit', edits.rps, edits.p50, edits.p99, ''],
    ];
  } finally {
    await t.dispose();
  }
}

async function main() {
  const scenarios: Scenario[] = [
    { name: 'no matching policy, writes wait', policy: false, wait: true },
    { name: 'policy, writes do not wait (before)', policy: true, wait: false },
    { name: 'policy, writes wait (now)', policy: true, wait: true },
  ];
  const rows: (string | number)[][] = [];
  for (const s of scenarios) rows.push(...(await measure(s)));
  printTable(
    `SLA read-your-writes, ${CONCURRENCY} concurrent writers, ${SECONDS} s each`,
    ['scenario', 'write', 'req/s', 'p50 ms', 'p99 ms', 'GET after create has sla'],
    rows,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
