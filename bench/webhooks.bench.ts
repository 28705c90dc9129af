/**
 * Webhook delivery throughput: BENCH_TICKETS tickets (default 500) with 4 comments each are written while
 * three subscriptions are paused; then each is resumed in turn with LEAD_WEBHOOK_MAX_IN_FLIGHT = 1, 4 and 16,
 * and the time until the receiver (node:http on 127.0.0.1, answers 204 at once) has every event is measured.
 * Reference in the same run: the same number of signed POSTs sent straight with node:http at the same
 * concurrency, without the worker's bookkeeping (the ceiling). Run: npm run bench:webhooks
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { WebhookDeliveryWorker } from '../src/modules/webhooks/delivery-worker';
import { signedHeaders, newSigningSecret } from '../src/modules/webhooks/signature';
import { loadSettings } from '../src/platform/config/settings';
import { staffAuth, startTestApp, storefrontAuth } from '../test/support/test-app';
import { envInt, printTable, timed } from './lib';

const TICKETS = envInt('BENCH_TICKETS', 500);
const COMMENTS = 4;
const SHOP = '/service/application/lead/v1.0';
const HOOKS = '/service/platform/lead/v1.0/company/1/webhooks';

async function main() {
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const defaults = loadSettings({}).webhooks;
  const t = await startTestApp({
    auditAnchorIntervalMs: 0,
    logLevel: 'silent',
    webhooks: { ...defaults, allowedHosts: ['127.0.0.1'], pollMs: 20 },
  });
  const staff = await staffAuth(t, 'one');
  const settings = (t.app.get(WebhookDeliveryWorker) as unknown as { settings: { webhooks: { maxInFlight: number } } }).settings.webhooks;

  const subs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sub = (await t.app.inject({ method: 'POST', url: HOOKS, headers: staff, payload: { url, events: ['*'] } })).json();
    await t.app.inject({ method: 'POST', url: `${HOOKS}/${sub.id}/pause`, headers: staff });
    subs.push(sub.id);
  }
  console.log(`webhooks bench: writing ${TICKETS} tickets x ${1 + COMMENTS} events…`);
  const write = async (n: number) => {
    const ticket = (
      await t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/`,
        headers: storefrontAuth('a', 'u1'),
        payload: { category: 'x', content: { title: `t${n}` } },
      })
    ).json();
    for (let c = 0; c < COMMENTS; c++) {
      await t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/${ticket._id}/history`,
        headers: storefrontAuth('a', 'u1'),
        payload: { type: 'comment', value: { text: `c${c}` } },
      });
    }
  };
  for (let i = 0; i < TICKETS; i += 16) await Promise.all(Array.from({ length: Math.min(16, TICKETS - i) }, (_, k) => write(i + k)));
  const events = TICKETS * (1 + COMMENTS);

  const rows: (string | number)[][] = [];
  for (const [i, inFlight] of [1, 4, 16].entries()) {
    settings.maxInFlight = inFlight;
    received = 0;
    const seconds = await timed(async () => {
      await t.app.inject({ method: 'POST', url: `${HOOKS}/${subs[i]}/resume`, headers: staff });
      while (received < events) await new Promise((done) => setTimeout(done, 5));
    });
    // The ceiling: the same signed POSTs, straight, at the same concurrency.
    received = 0;
    const secret = newSigningSecret();
    const body = JSON.stringify({ type: 'HistoryAppended', timestamp: new Date().toISOString(), data: { pad: 'x'.repeat(900) } });
    const post = () =>
      new Promise<void>((done, fail) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent: false,
            headers: { ...signedHeaders([secret], 'evt', Math.floor(Date.now() / 1000), body), 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => done());
          },
        );
        req.on('error', fail);
        req.end(body);
      });
    let next = 0;
    const ceiling = await timed(async () => {
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next++ < events) await post();
        }),
      );
    });
    rows.push([
      String(inFlight),
      events,
      seconds,
      events / seconds,
      events / ceiling,
      `${((events / seconds / (events / ceiling)) * 100).toFixed(0)} %`,
    ]);
  }
  printTable(
    `Webhook deliveries (${events.toLocaleString('en-US')} events over ${TICKETS} tickets, receiver on 127.0.0.1)`,
    ['in flight', 'events', 'seconds', 'deliveries/s', 'raw POSTs/s (ceiling)', 'of ceiling'],
    rows,
  );
  await t.dispose();
  receiver.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
