import { Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { runWebhooksCli } from '../src/modules/webhooks/cli';
import { WebhookCommands } from '../src/modules/webhooks/webhook.commands';
import { WebhookCommandHandler } from '../src/modules/webhooks/webhook-command-handler';
import { systemContext } from '../src/platform/http/system-context';
import { WebhookDeliveryWorker } from '../src/modules/webhooks/delivery-worker';
import { loadSettings } from '../src/platform/config/settings';
import { EVENT_STORE, EventStore } from '../src/platform/event-store/event-store.port';
import { leaseStream } from '../src/modules/webhooks/delivery-lease';
import { TestApp, onStores, staffAuth, startTestApp, storefrontAuth } from './support/test-app';
import { Received, WebhookReceiver, waitFor } from './support/webhook-receiver';

const SHOP = '/service/application/lead/v1.0';
const HOOKS = (company: string) => `/service/platform/lead/v1.0/company/${company}/webhooks`;

/** The Standard Webhooks check, written from the specification: any `v1,` signature that matches. */
function verifiesWith(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest();
  return String(r.headers['webhook-signature'])
    .split(' ')
    .some(
      (s) =>
        s.startsWith('v1,') &&
        Buffer.from(s.slice(3), 'base64').length === expected.length &&
        timingSafeEqual(Buffer.from(s.slice(3), 'base64'), expected),
    );
}

describe('outbound webhooks (end to end, real receiver on 127.0.0.1)', () => {
  let t: TestApp;
  let staff1: Record<string, string>;
  let staff2: Record<string, string>;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    const defaults = loadSettings({}).webhooks;
    t = await startTestApp({
      auditAnchorIntervalMs: 0,
      webhooks: {
        ...defaults,
        allowedHosts: ['127.0.0.1'],
        pollMs: 50,
        retryBaseMs: 40,
        retryMaxMs: 200,
        retryWindowMs: 60_000,
        timeoutMs: 1_000,
        maxInFlight: 4,
      },
    });
    staff1 = await staffAuth(t, 'one');
    staff2 = await staffAuth(t, 'two');
  });
  afterAll(async () => {
    await t.dispose();
    for (const r of receivers) await r.stop();
  });

  const create = async (body: object, headers = staff1, company = '1') =>
    t.app.inject({ method: 'POST', url: HOOKS(company), headers, payload: body });
  const subscribe = async (url: string, events: string[] = ['*']) => {
    const res = await create({ url, events, description: 'test' });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; secret: string };
  };
  const openTicket = async (app: 'a' | 'c' = 'a', title = 'hello', userId: string | null = 'u1') => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/`,
      headers: storefrontAuth(app, userId ?? undefined),
      payload: { category: 'x', content: { title } },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { _id: string; access_key?: string };
  };
  const comment = async (ticket: string, text: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/${ticket}/history`,
      headers: storefrontAuth('a', 'u1'),
      payload: { type: 'comment', value: { text } },
    });
    expect(res.statusCode).toBe(201);
  };
  const deliveries = async (id: string) => {
    const res = await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${id}/deliveries?limit=200`, headers: staff1 });
    expect(res.statusCode).toBe(200);
    return res.json().items as {
      id: string;
      event_id: string;
      event_type: string;
      status: string;
      attempt_count: number;
      attempts: { status_code: number | null; error: string | null; duration_ms: number; next_retry_at: string | null }[];
    }[];
  };
  const remove = async (id: string) =>
    expect((await t.app.inject({ method: 'DELETE', url: `${HOOKS('1')}/${id}`, headers: staff1 })).statusCode).toBe(204);

  it('creates a subscription: the secret once, then get, list, update, pause, resume, delete; another company sees none of it', async () => {
    const r = await receiver();
    const created = await subscribe(r.url, ['TicketCreated']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      url: r.url,
      events: ['TicketCreated'],
      status: 'active',
      description: 'test',
    });

    const got = await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${created.id}`, headers: staff1 });
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    expect(got.body).not.toContain(created.secret);
    const list = await t.app.inject({ method: 'GET', url: HOOKS('1'), headers: staff1 });
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(created.id);

    const updated = await t.app.inject({
      method: 'PATCH',
      url: `${HOOKS('1')}/${created.id}`,
      headers: staff1,
      payload: { events: ['HistoryAppended', 'TicketCreated'], description: 'changed' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ events: ['HistoryAppended', 'TicketCreated'], description: 'changed' });
    // A new url is checked as a new subscription's is.
    for (const url of ['http://example.com/hook', 'https://10.0.0.1/hook']) {
      const refused = await t.app.inject({ method: 'PATCH', url: `${HOOKS('1')}/${created.id}`, headers: staff1, payload: { url } });
      expect([url, refused.statusCode, refused.json().errors?.[0]?.field]).toEqual([url, 400, 'url']);
    }
    expect(
      (await t.app.inject({ method: 'PATCH', url: `${HOOKS('1')}/${created.id}`, headers: staff1, payload: { events: ['Nope'] } }))
        .statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${created.id}/pause`, headers: staff1 })).json().status).toBe(
      'paused',
    );
    expect((await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${created.id}/resume`, headers: staff1 })).json().status).toBe(
      'active',
    );

    // Company 2's staff: not in their list, 404 on every route (as a missing subscription).
    expect((await t.app.inject({ method: 'GET', url: HOOKS('2'), headers: staff2 })).json().items).toEqual([]);
    for (const [method, suffix] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/pause'],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url: `${HOOKS('2')}/${created.id}${suffix}`,
        headers: staff2,
        payload: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect([method, suffix, res.statusCode]).toEqual([method, suffix, 404]);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // Company 2's token on company 1's path: refused by the guard.
    expect((await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${created.id}`, headers: staff2 })).statusCode).toBe(404);

    // The subscription's history is in the log, audited like every change.
    const stream = await t.store.readStream(`webhook-${created.id}`);
    expect(stream.map((e) => e.type)).toEqual([
      'WebhookSubscriptionCreated',
      'WebhookSubscriptionUpdated',
      'WebhookSubscriptionPaused',
      'WebhookSubscriptionResumed',
    ]);
    expect(stream[0].metadata.actor).toMatchObject({ type: 'staff_client' });
    expect(JSON.stringify(stream, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(created.secret.slice(6)); // sealed, not in clear

    await remove(created.id);
    expect((await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${created.id}`, headers: staff1 })).statusCode).toBe(404);
  });

  it('refuses bad input with problem details', async () => {
    const cases: [object, string][] = [
      [{ url: 'not a url', events: ['*'] }, 'url'],
      [{ url: 'http://example.com/hook', events: ['*'] }, 'https'],
      [{ url: 'ftp://127.0.0.1/hook', events: ['*'] }, 'https'],
      [{ url: 'https://user:pw@127.0.0.1/hook', events: ['*'] }, 'credentials'],
      [{ url: 'https://127.0.0.1/hook', events: ['NoSuchEvent'] }, 'NoSuchEvent'],
      [{ url: 'https://127.0.0.1/hook', events: [] }, 'events'],
      [{ url: 'https://127.0.0.1/hook' }, 'events'],
      [{ url: 'https://127.0.0.1/hook', events: ['*'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, word] of cases) {
      const res = await create(body);
      expect([body, res.statusCode]).toEqual([body, 400]);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toContain(word);
    }
  });

  it('refuses private, loopback and link-local targets (SSRF) unless LEAD_WEBHOOK_ALLOWED_HOSTS allows them', async () => {
    for (const url of [
      'https://127.0.0.2/hook',
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:192.168.0.1]/hook',
      'https://192.168.1.10/hook',
      'https://100.64.0.1/hook',
    ]) {
      const res = await create({ url, events: ['*'] });
      expect([url, res.statusCode]).toEqual([url, 400]);
      expect(res.json().type).toBe('urn:lead:problem:invalid');
      expect(res.json().errors[0].field).toBe('url');
    }
    // A name is checked by the addresses it resolves to.
    const commands = t.app.get(WebhookCommands);
    commands.lookup = async (host) =>
      host === 'internal.example' ? [{ address: '10.0.0.7', family: 4 }] : [{ address: '93.184.216.34', family: 4 }];
    try {
      expect((await create({ url: 'https://internal.example/hook', events: ['*'] })).statusCode).toBe(400);
      const ok = await create({ url: 'https://public.example/hook', events: ['*'] });
      expect(ok.statusCode).toBe(201);
      await remove(ok.json().id);
    } finally {
      commands.lookup = undefined;
    }
  });

  it('delivers signed events that verify with the published algorithm and the standardwebhooks package; body = the public form, own company only', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    const mine = await openTicket('a', 'signed', null); // anonymous: TicketCreated carries an access-key hash
    await openTicket('c', 'other company');
    await waitFor('the delivery', () => r.delivered().length >= 1 && r.delivered());
    await new Promise((done) => setTimeout(done, 300)); // nothing else arrives (company 2's ticket)
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    const event = (await t.store.readStream(`ticket-${mine._id}`))[0];
    expect(got.headers['webhook-id']).toBe(event.id);
    expect(Number(got.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    expect(got.headers['content-type']).toBe('application/json');
    expect(verifiesWith(sub.secret, got)).toBe(true);
    expect(verifiesWith('whsec_' + Buffer.alloc(32, 1).toString('base64'), got)).toBe(false);
    expect(() => new Webhook(sub.secret).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
    expect(got.json).toMatchObject({
      type: 'TicketCreated',
      timestamp: event.metadata.occurredAt,
      data: { id: event.id, stream: `ticket-${mine._id}`, tenant: { company_id: '1' }, type: 'TicketCreated' },
    });
    expect(got.json.data.data.access_key_sha256).toBeUndefined();
    expect(event.data.access_key_sha256).toBeDefined();
    expect(got.json.data).not.toHaveProperty('source');
    expect(got.json.data).not.toHaveProperty('hash');
    // The same item as the change feed gives.
    const feed = (
      await t.app.inject({ method: 'GET', url: `/service/platform/lead/v1.0/company/1/events?limit=500`, headers: staff1 })
    ).json();
    expect(feed.items.find((i: { id: string }) => i.id === event.id)).toEqual(got.json.data);

    const [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ event_id: event.id, event_type: 'TicketCreated', status: 'delivered', attempt_count: 1 });
    expect(d.attempts[0]).toMatchObject({ status_code: 200, error: null });
    await remove(sub.id);
  });

  it('retries after 500s and 429 (Retry-After) with backoff, and a receiver that is down until it comes up', async () => {
    const r = await receiver();
    r.answer = (_r, n) => (n <= 2 ? { status: 500 } : n === 3 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 204 });
    const sub = await subscribe(r.url);
    await openTicket();
    await waitFor('a 2xx after the failures', () => r.delivered().length === 1);
    expect(r.received.map((x) => x.status)).toEqual([500, 500, 429, 204]);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
    // The receiver has answered; the worker records the answer just after.
    const [d] = await waitFor('the recorded answer', async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'delivered' && list;
    });
    expect(d.attempts.map((a) => a.status_code)).toEqual([500, 500, 429, 204]);
    expect(d.attempts[0].next_retry_at).not.toBeNull();
    await remove(sub.id);

    // Down: nothing listens on the port; then a receiver starts there.
    const down = await receiver();
    const port = down.port;
    await down.stop();
    const sub2 = await subscribe(`http://127.0.0.1:${port}/hook`);
    await openTicket();
    const failing = await waitFor('two failed attempts', async () => {
      const [x] = await deliveries(sub2.id);
      return x && x.attempts.length >= 2 && x;
    });
    expect(failing.status).toBe('pending');
    expect(failing.attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/ECONNREFUSED/) });
    const up = await new WebhookReceiver().start(port);
    receivers.push(up);
    await waitFor('delivery once the receiver is up', () => up.delivered().length === 1);
    await remove(sub2.id);
  });

  it('gives up on an attempt after the timeout and tries again', async () => {
    const r = await receiver();
    r.answer = (_r, n) => (n === 1 ? { status: 200, delayMs: 1_500 } : { status: 200 }); // the suite's timeout is 1 s
    const sub = await subscribe(r.url);
    await openTicket();
    const d = await waitFor('the retried delivery', async () => {
      const [x] = await deliveries(sub.id);
      return x?.status === 'delivered' && x;
    });
    expect(d.attempts.map((a) => [a.status_code, a.error])).toEqual([
      [null, expect.stringMatching(/timed out after 1000 ms/)],
      [200, null],
    ]);
    expect(d.attempts[0].duration_ms).toBeGreaterThanOrEqual(1_000);
    await remove(sub.id);
  });

  it('keeps each ticket in log order through random failures and delays, at most N in flight', async () => {
    const r = await receiver();
    let maxOpen = 0;
    r.answer = () => {
      // Requests received and not yet answered, this one included.
      maxOpen = Math.max(maxOpen, r.received.filter((x) => x.status === undefined).length);
      return { status: Math.random() < 0.3 ? 503 : 200, delayMs: Math.floor(Math.random() * 20) };
    };
    const sub = await subscribe(r.url, ['TicketCreated', 'HistoryAppended']);
    const tickets = await Promise.all([openTicket(), openTicket(), openTicket()]);
    for (let i = 0; i < 6; i++) await Promise.all(tickets.map((tk) => comment(tk._id, `c${i}`)));
    const expected = (await t.store.readAll()).filter((e) => tickets.some((tk) => e.streamName === `ticket-${tk._id}`));
    await waitFor(
      'every event delivered',
      () => new Set(r.delivered().map((x) => x.headers['webhook-id'])).size === expected.length,
      30_000,
    );
    for (const tk of tickets) {
      const stream = `ticket-${tk._id}`;
      const order = r
        .delivered()
        .filter((x) => x.json.data.stream === stream)
        .map((x) => x.json.data.revision);
      expect(order).toEqual(expected.filter((e) => e.streamName === stream).map((e) => Number(e.revision)));
    }
    // No event was answered 2xx twice; never more than LEAD_WEBHOOK_MAX_IN_FLIGHT (4) at once.
    expect(r.delivered()).toHaveLength(expected.length);
    expect(maxOpen).toBeLessThanOrEqual(4);
    await remove(sub.id);
  });

  it('rotates the secret: during the overlap both sign; with no overlap only the new one', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    const rotated = await t.app.inject({
      method: 'POST',
      url: `${HOOKS('1')}/${sub.id}/rotate-secret`,
      headers: staff1,
      payload: { overlap_seconds: 3600 },
    });
    expect(rotated.statusCode).toBe(200);
    const { secret, previous_secret_expires_at } = rotated.json();
    expect(secret).not.toBe(sub.secret);
    expect(Date.parse(previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect((await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${sub.id}`, headers: staff1 })).json().previous_secret_expires_at).toBe(
      previous_secret_expires_at,
    );
    await openTicket();
    const [first] = await waitFor('a delivery', () => r.delivered().length === 1 && r.delivered());
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(secret, first)).toBe(true);
    expect(verifiesWith(sub.secret, first)).toBe(true);
    expect(() => new Webhook(secret).verify(first.body, first.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(sub.secret).verify(first.body, first.headers as Record<string, string>)).not.toThrow();

    const again = await t.app.inject({
      method: 'POST',
      url: `${HOOKS('1')}/${sub.id}/rotate-secret`,
      headers: staff1,
      payload: { overlap_seconds: 0 },
    });
    const newest = again.json().secret as string;
    await openTicket();
    const second = await waitFor('a second delivery', () => r.delivered()[1]);
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(newest, second)).toBe(true);
    expect(verifiesWith(secret, second)).toBe(false);
    expect(() => new Webhook(secret).verify(second.body, second.headers as Record<string, string>)).toThrow();
    await remove(sub.id);
  });

  it('signs with the secrets it can open: one sealed under another key is left out, and with none nothing is sent', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    const handler = t.app.get(WebhookCommandHandler);
    const context = systemContext('test', { tenant: { companyId: '1' } });
    const badSeal = 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA';
    const later = new Date(Date.now() + 3600_000).toISOString();
    await handler.handle(
      sub.id,
      { kind: 'RotateSecret', companyId: '1', sealedSecret: badSeal, previousExpiresAt: later, now: context.now },
      context,
    );
    await openTicket();
    const [got] = await waitFor('a delivery signed by the previous secret', () => r.delivered().length === 1 && r.delivered());
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(sub.secret, got)).toBe(true);

    const context2 = systemContext('test', { tenant: { companyId: '1' } });
    await handler.handle(
      sub.id,
      { kind: 'RotateSecret', companyId: '1', sealedSecret: badSeal, previousExpiresAt: context2.now, now: context2.now },
      context2,
    );
    await openTicket();
    const [d] = await waitFor('an attempt without a secret', async () => {
      const list = await deliveries(sub.id);
      return list.length === 2 && list[0].attempts.length > 0 && list;
    });
    expect(d.attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/no signing secret/) });
    expect(r.received).toHaveLength(1);
    await remove(sub.id);
  });

  it('pings, lists deliveries with their attempts, and redelivers one with the same webhook-id', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    const ping = await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${sub.id}/test`, headers: staff1 });
    expect(ping.statusCode).toBe(202);
    expect(ping.json()).toMatchObject({ event_type: 'webhook.ping', status: 'pending' });
    const [pinged] = await waitFor('the ping', () => r.delivered().length === 1 && r.delivered());
    expect(pinged.json).toMatchObject({ type: 'webhook.ping', data: { subscription_id: sub.id } });
    expect(verifiesWith(sub.secret, pinged)).toBe(true);

    await openTicket();
    await waitFor('the event', () => r.delivered().length === 2);
    const list = await waitFor('both answers recorded', async () => {
      const l = await deliveries(sub.id);
      return l.length === 2 && l.every((d) => d.status === 'delivered') && l;
    });
    expect(list.map((d) => d.event_type)).toEqual(['TicketCreated', 'webhook.ping']); // newest first
    expect(list[0].attempts[0]).toMatchObject({ status_code: 200, error: null, next_retry_at: null });
    expect(typeof list[0].attempts[0].duration_ms).toBe('number');

    const one = await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${sub.id}/deliveries/${list[0].id}`, headers: staff1 });
    expect(one.json()).toMatchObject({ id: list[0].id, status: 'delivered' });
    const redo = await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${sub.id}/deliveries/${list[0].id}/redeliver`, headers: staff1 });
    expect(redo.statusCode).toBe(202);
    await waitFor('the redelivery', () => r.delivered().length === 3);
    expect(r.delivered()[2].headers['webhook-id']).toBe(r.delivered()[1].headers['webhook-id']);
    const after = await waitFor('the redelivery recorded', async () => {
      const [d] = await deliveries(sub.id);
      return d.status === 'delivered' && d.attempts.length === 2 && d;
    });
    expect(after.attempts.map((a) => a.status_code)).toEqual([200, 200]);
    expect(
      (await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${sub.id}/deliveries/dlv_nope/redeliver`, headers: staff1 })).statusCode,
    ).toBe(404);
    await remove(sub.id);
  });

  it('purges settled deliveries past LEAD_WEBHOOK_RETENTION_MS, keeps pending ones', async () => {
    const ok = await receiver();
    const down = await receiver();
    await down.stop(); // nothing listens there: its delivery stays pending
    const [kept, gone] = [
      await subscribe(`http://127.0.0.1:${down.port}/hook`, ['TicketCreated']),
      await subscribe(ok.url, ['TicketCreated']),
    ];
    await openTicket();
    await waitFor(
      'one delivered, one retrying',
      async () => (await deliveries(gone.id))[0]?.status === 'delivered' && (await deliveries(kept.id))[0]?.attempts.length > 0,
    );
    const worker = t.app.get(WebhookDeliveryWorker) as unknown as {
      purgedAt: number;
      settings: { webhooks: { retentionMs: number } };
      wake(): void;
    };
    const retention = worker.settings.webhooks.retentionMs;
    (worker.settings.webhooks as { retentionMs: number }).retentionMs = 1;
    try {
      worker.purgedAt = 0;
      worker.wake();
      await waitFor('the purge', async () => (await deliveries(gone.id)).length === 0);
      expect((await deliveries(kept.id)).map((d) => d.status)).toEqual(['pending']);
    } finally {
      (worker.settings.webhooks as { retentionMs: number }).retentionMs = retention;
    }
    await remove(kept.id);
    await remove(gone.id);
  });

  it('holds deliveries while paused and sends the backlog on resume, in order', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['HistoryAppended']);
    await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${sub.id}/pause`, headers: staff1 });
    const tk = await openTicket();
    for (let i = 0; i < 3; i++) await comment(tk._id, `p${i}`);
    await new Promise((done) => setTimeout(done, 300));
    expect(r.received).toHaveLength(0);
    await t.app.inject({ method: 'POST', url: `${HOOKS('1')}/${sub.id}/resume`, headers: staff1 });
    await waitFor('the backlog', () => r.delivered().length === 3);
    expect(r.delivered().map((x) => x.json.data.revision)).toEqual([1, 2, 3]);
    await remove(sub.id);
  });

  it('disables the subscription on 410 and after failing for the whole retry window, with a reason and an event', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 410 });
    const sub = await subscribe(r.url);
    await openTicket();
    const gone = await waitFor('disabled', async () => {
      const s = (await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${sub.id}`, headers: staff1 })).json();
      return s.status === 'disabled' && s;
    });
    expect(gone.disabled_reason).toMatch(/410/);
    const stream = await t.store.readStream(`webhook-${sub.id}`);
    expect(stream[stream.length - 1]).toMatchObject({
      type: 'WebhookSubscriptionDisabled',
      metadata: { actor: { type: 'system', id: 'webhook-worker' } },
    });
    expect(r.received).toHaveLength(1);

    // Failing for the whole window: a subscription whose worker retries for 300 ms only.
    const worker = t.app.get(WebhookDeliveryWorker);
    const settings = (worker as unknown as { settings: { webhooks: { retryWindowMs: number } } }).settings;
    const r2 = await receiver();
    r2.answer = () => ({ status: 503 });
    const windowBefore = settings.webhooks.retryWindowMs;
    (settings.webhooks as { retryWindowMs: number }).retryWindowMs = 300;
    try {
      const sub2 = await subscribe(r2.url);
      await openTicket();
      const off = await waitFor('disabled after the window', async () => {
        const s = (await t.app.inject({ method: 'GET', url: `${HOOKS('1')}/${sub2.id}`, headers: staff1 })).json();
        return s.status === 'disabled' && s;
      });
      expect(off.disabled_reason).toMatch(/kept failing/);
      expect(r2.received.length).toBeGreaterThan(1);
      const [d] = await deliveries(sub2.id);
      expect(d.status).toBe('failed');
    } finally {
      (settings.webhooks as { retryWindowMs: number }).retryWindowMs = windowBefore;
    }
  });

  it('checks the target again at delivery time: a name that now resolves to a private address is refused (DNS rebinding)', async () => {
    const commands = t.app.get(WebhookCommands);
    const worker = t.app.get(WebhookDeliveryWorker);
    let answer = '93.184.216.34';
    const lookup = async () => [{ address: answer, family: 4 }];
    commands.lookup = lookup;
    worker.lookup = lookup;
    try {
      const sub = await subscribe('https://rebind.example/hook');
      answer = '10.0.0.1';
      await openTicket();
      const [d] = await waitFor('a refused attempt', async () => {
        const list = await deliveries(sub.id);
        return list.length > 0 && list[0].attempts.length > 0 && list;
      });
      expect(d.attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/target refused.*10\.0\.0\.1/) });
      await remove(sub.id);
    } finally {
      commands.lookup = undefined;
      worker.lookup = undefined;
    }
  });

  it('does not follow redirects', async () => {
    const target = await receiver();
    const r = await receiver();
    r.answer = () => ({ status: 307, headers: { location: target.url } });
    const sub = await subscribe(r.url);
    await openTicket();
    const [d] = await waitFor('the failed delivery', async () => {
      const list = await deliveries(sub.id);
      return list.length > 0 && list[0].status === 'failed' && list;
    });
    expect(d.attempts.map((a) => a.status_code)).toEqual([307]);
    expect(target.received).toHaveLength(0);
    await remove(sub.id);
  });

  it('serves the metrics (deliveries by result, lag per subscription), logs each attempt with its correlation id, and the status CLI', async () => {
    const r = await receiver();
    r.answer = (_r, n) => ({ status: n === 1 ? 500 : 200 });
    const sub = await subscribe(r.url);
    const logged = jest.spyOn(Logger.prototype, 'log');
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `${SHOP}/ticket/`,
        headers: { ...storefrontAuth('a', 'u1'), 'x-correlation-id': 'chat-webhook-1' },
        payload: { category: 'x', content: { title: 'logged' } },
      });
      expect(res.statusCode).toBe(201);
      await waitFor('a delivery', () => r.delivered().length === 1);
      const line = await waitFor('the log line', () =>
        logged.mock.calls
          .map(([m]) => m as Record<string, unknown>)
          .find((m) => typeof m === 'object' && m.msg === 'webhook delivered' && m.subscription_id === sub.id),
      );
      expect(line).toMatchObject({
        correlation_id: 'chat-webhook-1',
        event_type: 'TicketCreated',
        status_code: 200,
        attempt: 2,
        event_id: r.delivered()[0].headers['webhook-id'],
      });
    } finally {
      logged.mockRestore();
    }
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/lead_webhook_deliveries_total\{result="delivered"\} \d+/);
    expect(metrics).toMatch(/lead_webhook_deliveries_total\{result="retry"\} \d+/);
    expect(metrics).toContain(`lead_webhook_lag_events{subscription="${sub.id}"} 0`);

    // The CLI: one line per subscription. Once everything is sent, the worker releases the lease with its cursor.
    const store = t.app.get<EventStore>(EVENT_STORE);
    await waitFor('the lease released', async () => (await store.readStream(leaseStream(sub.id))).at(-1)?.type === 'WebhookLeaseReleased');
    const lines: string[] = [];
    const env = { LEAD_DATA_DIR: t.dir, LEAD_STORE: t.settings.store, LEAD_EVENTSTOREDB_URL: t.settings.eventStoreDbUrl };
    expect(await runWebhooksCli(['status'], env, (line) => lines.push(line))).toBe(0);
    const line = lines.find((l) => l.startsWith(sub.id));
    expect(line).toMatch(new RegExp(`^${sub.id} company=1 status=active pending=0 delivered=1 failed=0 lag=0 cursor=\\S+ lease=none url=`));
    expect(line).toContain(`url=${r.url}`);
    expect(await runWebhooksCli(['nope'], env, () => undefined)).toBe(2);
    await remove(sub.id);
  });
});

describe('outbound webhooks: two service instances on one SQLite file', () => {
  // SQLite only: two instances on one SQLite file; the same on EventStoreDB, with a file each, is webhooks-lease.e2e-spec.ts.
  onStores('sqlite')('one worker owns a subscription at a time (the lease): every event is delivered once', async () => {
    const defaults = loadSettings({}).webhooks;
    const webhooks = { ...defaults, allowedHosts: ['127.0.0.1'], pollMs: 20, retryBaseMs: 40, retryMaxMs: 200 };
    const first = await startTestApp({ auditAnchorIntervalMs: 0, webhooks });
    const second = await startTestApp({ auditAnchorIntervalMs: 0, webhooks }, first.dir);
    const r = await new WebhookReceiver().start();
    try {
      const staff = await staffAuth(first, 'one');
      const sub = (
        await first.app.inject({ method: 'POST', url: HOOKS('1'), headers: staff, payload: { url: r.url, events: ['*'] } })
      ).json();
      for (let i = 0; i < 10; i++) {
        const app = i % 2 ? second : first;
        const res = await app.app.inject({
          method: 'POST',
          url: `${SHOP}/ticket/`,
          headers: storefrontAuth('a', 'u1'),
          payload: { category: 'x', content: { title: `i${i}` } },
        });
        expect(res.statusCode).toBe(201);
      }
      await waitFor('ten deliveries', () => r.delivered().length >= 10);
      await new Promise((done) => setTimeout(done, 300)); // a second worker would send them all again by now
      expect(r.received).toHaveLength(10);
      expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(10);
      // The lease is in the event store: claimed by one worker at a time, released once there is nothing left to send.
      const lease = await first.app.get<EventStore>(EVENT_STORE).readStream(leaseStream(sub.id));
      expect(lease.length).toBeGreaterThan(0);
      for (const e of lease) expect(String(e.data.owner ?? '')).toMatch(new RegExp(`^$|:${process.pid}:webhooks-`));
      expect(lease.map((e) => e.type)).toContain('WebhookLeaseClaimed');
      expect(lease[lease.length - 1].type).toBe('WebhookLeaseReleased');
    } finally {
      await second.close();
      await first.dispose();
      await r.stop();
    }
  });
});
