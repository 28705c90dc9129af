import { BACKWARDS, END, EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePosition } from '../../src/modules/audit';
import { leaseStream } from '../../src/modules/webhooks/delivery-lease';
import { comparePositions } from '../../src/platform/event-store/event-store.port';
import { EsdbTestServer, startEsdbTestServer } from '../support/esdb-test-server';
import { ServerProcess, startServer } from '../support/server-process';
import { STAFF, storefrontAuth } from '../support/test-app';
import { WebhookReceiver, waitFor } from '../support/webhook-receiver';

/**
 * Two service instances on one EventStoreDB (the wire-level test server), each with its own SQLite file, both
 * running the delivery worker: the lease and cursor stream in the event store lets one deliver a subscription
 * at a time. The owner is made to hang (SIGSTOP) with a delivery in flight: the other takes over only after
 * the lease expired (expiry plus margin), resumes from the recorded cursor and delivers the rest; woken up,
 * the old owner sends nothing more (its renewal is refused). Then the new owner is killed -9 with a delivery
 * in flight, and the first takes over again. A real receiver counts: every event answered 2xx exactly once,
 * in order per ticket; only the deliveries that were in flight are received twice (they had no answer).
 * Always on the EventStoreDB adapter, whatever LEAD_TEST_STORE says: this is what the suite is about (the
 * SQLite case, two processes on one file, is in webhooks.e2e-spec.ts).
 */
const SHOP = '/service/application/lead/v1.0';
// Long enough that a loaded machine (2 shared cores) does not stall an owner past its lease by itself.
const LEASE_MS = 4_000;
const MARGIN_MS = 1_000;

describe('webhook delivery lease on EventStoreDB: two instances, a hung owner, a killed owner', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'lead-lease-a-')), mkdtempSync(join(tmpdir(), 'lead-lease-b-'))];
  const receiver = new WebhookReceiver();
  let esdb: EsdbTestServer;
  let client: EventStoreDBClient;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill9();
    await esdb?.stop();
    await client?.dispose();
    await receiver.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const env = () => ({
    LEAD_STORE: 'eventstoredb',
    LEAD_EVENTSTOREDB_URL: esdb.connectionString,
    // Shared by every instance of one deployment: the secrets sealed in the log and the audit chain's key.
    LEAD_WEBHOOK_KEY: 'lease-test-webhook-key-0123456789abcdef',
    LEAD_AUDIT_KEY: 'lease-test-audit-key-0123456789abcdef0',
    LEAD_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    LEAD_WEBHOOK_POLL_MS: '50',
    LEAD_WEBHOOK_RETRY_BASE_MS: '50',
    LEAD_WEBHOOK_RETRY_MAX_MS: '200',
    LEAD_WEBHOOK_TIMEOUT_MS: '30000',
    LEAD_WEBHOOK_LEASE_MS: String(LEASE_MS),
    LEAD_WEBHOOK_LEASE_MARGIN_MS: String(MARGIN_MS),
    // One in flight: everything answered before the held request was recorded before it was sent.
    LEAD_WEBHOOK_MAX_IN_FLIGHT: '1',
  });

  const staffHeaders = async (server: ServerProcess) => {
    const basic = Buffer.from(`${STAFF.one.client_id}:${STAFF.one.secret}`).toString('base64');
    const res = await fetch(`${server.url}/service/panel/authentication/v1.0/company/1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
  };
  const post = async (server: ServerProcess, path: string, body: object, headers: Record<string, string>) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as { _id: string; id: string };
  };
  const ticketIds: string[] = [];
  let written = 0;
  /** n tickets with `comments` comments each: n x (1 + comments) events, written through `server`. */
  const writeTickets = async (server: ServerProcess, n: number, comments: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push((await post(server, `${SHOP}/ticket/`, { category: 'x', content: { title: `t${i}` } }, storefrontAuth('a', 'u1')))._id);
    for (let c = 0; c < comments; c++) {
      for (const id of ids)
        await post(server, `${SHOP}/ticket/${id}/history`, { type: 'comment', value: { text: `c${c}` } }, storefrontAuth('a', 'u1'));
    }
    ticketIds.push(...ids);
    written += n * (1 + comments);
  };
  type LeaseRecord = { type: string; owner: string | null; expires_at: number };
  const leaseEvents = async (id: string): Promise<LeaseRecord[]> => {
    const out: LeaseRecord[] = [];
    for await (const { event } of client.readStream(leaseStream(id), { direction: FORWARDS, fromRevision: START })) {
      const data = event!.data as { owner: string | null; expires_at: number };
      out.push({ type: event!.type, owner: data.owner, expires_at: data.expires_at });
    }
    return out;
  };
  const ownerNow = async (id: string) => {
    // Read to the end (no early return): a read left open keeps its gRPC call, and the client's dispose waits for it.
    let owner: string | null = null;
    for await (const { event } of client.readStream(leaseStream(id), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))
      owner = (event!.data as { owner: string | null }).owner;
    return owner;
  };
  /**
   * Every answer so far recorded in the lease stream: each delivered event is at or before the cursor's
   * `scanned` position and not listed as pending (so a next owner neither reads it again nor resends it).
   */
  const answersRecorded = (id: string) =>
    waitFor('the answers recorded in the lease stream (at most once a second)', async () => {
      let cursor = null as { scanned: string; pending: [string, number][] } | null;
      for await (const { event } of client.readStream(leaseStream(id), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))
        cursor = (event!.data as { cursor: typeof cursor }).cursor;
      if (!cursor) return false;
      const scanned = parsePosition(cursor.scanned)!;
      const pending = new Set(cursor.pending.map(([stream, revision]) => `${stream}@${revision}`));
      return receiver
        .delivered()
        .every(
          (r) =>
            comparePositions(parsePosition(String(r.json.data.position))!, scanned) <= 0 &&
            !pending.has(`${r.json.data.stream}@${r.json.data.revision}`),
        );
    });
  const serverOf = (owner: string) => servers.find((s) => owner.split(':')[1] === String(s.pid))!;
  /** Holds the n-th request unanswered; resolves once it arrived. */
  const holdAt = (n: number) =>
    new Promise<string>((held) => {
      receiver.answer = (r, k) => {
        if (k !== n) return { status: 200 };
        held(String(r.headers['webhook-id']));
        return { status: 200, hold: true };
      };
    });
  const deliveredOnce = (expected: number) =>
    waitFor(
      `${expected} events answered 2xx`,
      () => new Set(receiver.delivered().map((r) => r.headers['webhook-id'])).size >= expected,
      60_000,
    );

  it('one owner at a time; takes over after expiry (hung) or at once (killed); nothing lost, no 2xx twice', async () => {
    esdb = await startEsdbTestServer({ batchAppend: true });
    client = EventStoreDBClient.connectionString(esdb.connectionString);
    await receiver.start();
    servers.push(await startServer(dirs[0], env()));
    servers.push(await startServer(dirs[1], env()));
    const [a, b] = servers;
    const sub = await post(
      a,
      '/service/platform/lead/v1.0/company/1/webhooks',
      { url: receiver.url, events: ['*'] },
      await staffHeaders(a),
    );

    // 1. Eleven events written through both instances; the seventh delivery is held unanswered.
    let held = holdAt(7);
    await writeTickets(a, 2, 2);
    await writeTickets(b, 1, 4);
    const firstHeld = await held;
    await answersRecorded(sub.id);
    const hungOwner = (await ownerNow(sub.id))!;
    const hung = serverOf(hungOwner);
    const other = hung === a ? b : a;
    expect(receiver.delivered()).toHaveLength(6);
    hung.signal('SIGSTOP');
    const stoppedAt = Date.now();
    receiver.answer = () => ({ status: 200 });
    await writeTickets(other, 1, 2); // 3 more, written while the owner hangs
    await deliveredOnce(written);
    const tookOver = (await leaseEvents(sub.id)).filter(
      (e) => e.type === 'WebhookLeaseClaimed' && e.owner !== hungOwner && e.owner !== null,
    );
    expect(tookOver.length).toBeGreaterThan(0);
    // Not before the hung owner's lease expired (plus the margin): its last recorded expiry was at most LEASE_MS after the stop.
    const history = await leaseEvents(sub.id);
    const lastOfHung = history.filter((e) => e.owner === hungOwner).at(-1)!;
    const takeover = history.find((e, i) => i > history.indexOf(lastOfHung) && e.type === 'WebhookLeaseClaimed')!;
    expect(takeover.owner).not.toBe(hungOwner);
    expect(takeover.expires_at - LEASE_MS).toBeGreaterThan(lastOfHung.expires_at + MARGIN_MS);
    expect(lastOfHung.expires_at).toBeLessThanOrEqual(stoppedAt + LEASE_MS);

    // Woken up, the old owner's timers fire: its held request times out, its renewal is refused, it sends nothing.
    const receivedBefore = receiver.received.length;
    hung.signal('SIGCONT');
    await new Promise((done) => setTimeout(done, 1_500));
    expect(receiver.received.slice(receivedBefore)).toEqual([]);
    await waitFor('the stale owner to see it lost the lease', () => /webhook lease lost/.test(hung.output()), 5_000);
    expect(receiver.received.slice(receivedBefore)).toEqual([]);

    // 2. Four more events; the first of their deliveries is held (one in flight: nothing else is sent meanwhile),
    // and whichever instance owns the lease now is killed -9. The survivor takes over (at once: a process of
    // this host that no longer runs) and delivers the rest.
    held = holdAt(receiver.received.length + 1);
    await writeTickets(other, 1, 3);
    const secondHeld = await held;
    await answersRecorded(sub.id);
    const killedOwner = (await ownerNow(sub.id))!;
    const killed = serverOf(killedOwner);
    const survivor = killed === a ? b : a;
    await killed.kill9();
    receiver.answer = () => ({ status: 200 });
    await writeTickets(survivor, 1, 1); // 2 more, after the kill
    const expected = written;
    expect(expected).toBe(11 + 3 + 4 + 2);
    await deliveredOnce(expected);

    const counts = new Map<string, number>();
    for (const r of receiver.delivered())
      counts.set(String(r.headers['webhook-id']), (counts.get(String(r.headers['webhook-id'])) ?? 0) + 1);
    expect(counts.size).toBe(expected);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // The held ones reached the receiver twice: once unanswered, once answered.
    for (const id of [firstHeld, secondHeld]) {
      expect(receiver.received.filter((r) => r.headers['webhook-id'] === id)).toHaveLength(2);
      expect(counts.get(id)).toBe(1);
    }
    // Every ticket's events answered in revision order, none missing.
    for (const ticket of ticketIds) {
      const revisions = receiver
        .delivered()
        .filter((r) => r.json.data.stream === `ticket-${ticket}`)
        .map((r) => r.json.data.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    // One owner at a time in the stream: every claim follows a release or an expiry (plus the margin), or a dead owner.
    const all = await leaseEvents(sub.id);
    for (let i = 1; i < all.length; i++) {
      const [before, claim] = [all[i - 1], all[i]];
      if (claim.type !== 'WebhookLeaseClaimed' || before.owner === null || before.owner === claim.owner) continue;
      const expiredFirst = claim.expires_at - LEASE_MS > before.expires_at + MARGIN_MS;
      expect({ before, claim, expiredFirst: expiredFirst || before.owner === killedOwner }).toMatchObject({ expiredFirst: true });
    }
  }, 180_000);
});
