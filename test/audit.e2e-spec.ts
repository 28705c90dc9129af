import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditAnchorer } from '../src/modules/audit/audit-anchorer';
import { runAuditCli } from '../src/modules/audit/cli';
import { ChainKey, eventHash, verifyChain } from '../src/platform/event-store/hash-chain';
import { KeyedLock } from '../src/platform/command/keyed-lock';
import { newObjectId } from '../src/platform/command/object-id';
import { systemContext } from '../src/platform/http/system-context';
import { handleCommand } from '../src/platform/command/command-handler';
import { ReadYourWrites } from '../src/platform/projections/read-your-writes';
import { ticketDecider } from '../src/modules/tickets/ticket.decider';
import { ticketStream } from '../src/modules/tickets/ticket.events';
import { APPS, TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const PLATFORM = '/service/platform/lead/v1.0/company';

interface Row {
  global_position: number;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

describe('audit (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  // The tampering below edits the SQLite file, so this suite always runs on the SQLite store.
  beforeAll(async () => {
    t = await startTestApp({ store: 'sqlite', auditAnchorIntervalMs: 0 });
    staff = await staffAuth(t, 'one');
  });
  afterAll(async () => t.dispose());

  const post = (url: string, headers: Record<string, string>, payload: object) =>
    t.app.inject({ method: 'POST', url: `${STOREFRONT}${url}`, headers: { 'user-agent': 'jest-e2e', ...headers }, payload });
  const audit = (id: string, headers = staff, application?: string) =>
    t.app.inject({ method: 'GET', url: `${PLATFORM}/1${application ? `/application/${application}` : ''}/ticket/${id}/audit`, headers });
  const ticketWithComments = async (comments: number): Promise<string> => {
    const ticket = (await post('/ticket/', storefrontAuth('a'), { category: 'x', content: { title: 'audited' } })).json();
    const opener = { ...storefrontAuth('a'), 'x-ticket-access-key': ticket.access_key };
    for (let i = 0; i < comments; i++)
      await post(`/ticket/${ticket._id}/history`, opener, { type: 'comment', value: { text: `comment ${i}` } });
    return ticket._id as string;
  };
  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runAuditCli(argv, { LEAD_DATA_DIR: t.dir, LEAD_STORE: 'sqlite' }, (line) => lines.push(line));
    return { code, out: lines.join('\n') };
  };
  /** Someone with write access to the file, going around the service. */
  const tamper = (work: (db: Database.Database) => void) => {
    const db = new Database(t.settings.databaseFile);
    try {
      db.transaction(() => work(db))();
    } finally {
      db.close();
    }
  };
  const rows = (db: Database.Database, id: string) =>
    db.prepare('SELECT * FROM es_events WHERE stream_id = ? ORDER BY revision').all(ticketStream(id)) as Row[];

  it('an auditor walks a ticket: every step with actor, tenant, source, time, correlation and causation', async () => {
    const created = await post(
      '/ticket/',
      { ...storefrontAuth('a', 'alice'), 'x-platform': 'android', 'x-correlation-id': 'support-session-1' },
      {
        category: 'order-issue',
        content: { title: 'Where is my order?' },
      },
    );
    const id = created.json()._id as string;
    await post(
      `/ticket/${id}/history`,
      { ...storefrontAuth('a', 'alice'), 'user-agent': 'web-widget/2.1' },
      { type: 'comment', value: { text: 'any news?' } },
    );
    // A background process reacts to the comment: actor `system`, caused by the comment event.
    const [, comment] = await t.store.readStream(ticketStream(id));
    const context = systemContext('sla-monitor', { tenant: { companyId: '1', applicationId: APPS.a.application_id }, causedBy: comment });
    const command = {
      kind: 'AppendHistory' as const,
      historyId: newObjectId(),
      type: 'log' as const,
      value: { text: 'SLA breached' },
      createdBy: {},
      createdOn: context.createdOn,
      now: context.now,
    };
    const outcome = await handleCommand(
      t.store,
      t.app.get(KeyedLock),
      t.app.get(ChainKey),
      ticketStream(id),
      ticketDecider,
      command,
      context,
    );
    await t.app.get(ReadYourWrites).waitFor(outcome.result.position);

    const res = await audit(id);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ticket).toEqual({ _id: id, ticket_id: created.json().ticket_id });
    expect(body.items.map((i: { type: string; revision: number }) => [i.revision, i.type])).toEqual([
      [0, 'TicketCreated'],
      [1, 'HistoryAppended'],
      [2, 'HistoryAppended'],
    ]);
    const [first, second, third] = body.items;
    const tenant = { company_id: '1', application_id: APPS.a.application_id };
    expect(first).toMatchObject({
      stream: ticketStream(id),
      actor: { type: 'storefront_user', id: 'alice' },
      tenant,
      correlation_id: 'support-session-1',
      source: { user_agent: 'jest-e2e', platform: 'android', ip: '127.0.0.1' },
      data: { id, content: { title: 'Where is my order?' } },
    });
    expect(second).toMatchObject({
      actor: { type: 'storefront_user', id: 'alice' },
      tenant,
      source: { user_agent: 'web-widget/2.1', platform: 'web' },
    });
    expect(third).toMatchObject({
      actor: { type: 'system', id: 'sla-monitor' },
      tenant,
      source: { platform: 'system', user_agent: 'lead-service/sla-monitor' },
      correlation_id: second.correlation_id,
      causation_id: second.id,
      data: { type: 'log', value: { text: 'SLA breached' } },
    });
    for (const item of body.items) {
      expect(item).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          causation_id: expect.any(String),
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      );
      expect(Date.parse(item.occurred_at)).not.toBeNaN();
      expect(Date.parse(item.recorded_at)).not.toBeNaN();
    }
    expect(Number(first.position)).toBeLessThan(Number(second.position));
    expect(Number(second.position)).toBeLessThan(Number(third.position));
    expect(body.verification).toMatchObject({ valid: true, broken_at: null });
    expect(body.verification.streams).toEqual([
      expect.objectContaining({
        stream: ticketStream(id),
        events: 3,
        valid: true,
        anchored_through_revision: null,
        pending_anchor: 3,
        incomplete_metadata: [],
      }),
    ]);

    await t.app.get(AuditAnchorer).anchorNow();
    const anchored = (await audit(id, staff, APPS.a.application_id)).json();
    expect(anchored.items).toEqual(body.items);
    expect(anchored.verification.streams[0]).toMatchObject({ anchored_through_revision: 2, pending_anchor: 0 });
  });

  it('answers 404 outside the tenant and 401 without a token', async () => {
    const id = await ticketWithComments(0);
    expect((await audit(id, staff, APPS.b.application_id)).statusCode).toBe(404);
    expect((await audit(id, await staffAuth(t, 'two'))).statusCode).toBe(404);
    const otherCompany = await t.app.inject({ method: 'GET', url: `${PLATFORM}/2/ticket/${id}/audit`, headers: await staffAuth(t, 'two') });
    expect(otherCompany.statusCode).toBe(404);
    expect((await audit('ffffffffffffffffffffffff')).json()).toMatchObject({ status: 404, type: 'urn:lead:problem:not-found' });
    expect((await audit(id, {})).statusCode).toBe(401);
  });

  it('an edited, a deleted and a reordered event are each named by the route and the CLI', async () => {
    const [edited, deleted, reordered] = [await ticketWithComments(2), await ticketWithComments(2), await ticketWithComments(2)];
    await t.app.get(AuditAnchorer).anchorNow();
    expect((await cli('verify')).out).toContain('RESULT: verified');
    const ids: Record<string, string[]> = {};
    tamper((db) => {
      for (const id of [edited, deleted, reordered]) ids[id] = rows(db, id).map((r) => r.event_id);
      db.prepare(
        "UPDATE es_events SET data = json_set(data, '$.value.text', 'I never wrote this') WHERE stream_id = ? AND revision = 1",
      ).run(ticketStream(edited));
      db.prepare('DELETE FROM es_events WHERE stream_id = ? AND revision = 1').run(ticketStream(deleted));
      const swap = db.prepare('UPDATE es_events SET revision = ? WHERE stream_id = ? AND revision = ?');
      swap.run(-1, ticketStream(reordered), 1);
      swap.run(1, ticketStream(reordered), 2);
      swap.run(2, ticketStream(reordered), -1);
    });

    // At revision 1 of the reordered stream now sits the event that was at revision 2.
    for (const [id, event] of [
      [edited, ids[edited][1]],
      [deleted, ids[deleted][1]],
      [reordered, ids[reordered][2]],
    ]) {
      const { verification } = (await audit(id)).json();
      expect(verification).toMatchObject({ valid: false, broken_at: { stream: ticketStream(id), revision: 1, event_id: event } });
    }
    const { code, out } = await cli('verify');
    expect(code).toBe(1);
    expect(out).toContain(`BROKEN [chain] ${ticketStream(edited)} revision 1 event ${ids[edited][1]}`);
    expect(out).toContain(`BROKEN [anchor] ${ticketStream(deleted)} revision 1 event ${ids[deleted][1]}`);
    expect(out).toMatch(/BROKEN \[positions\] position \d+: position \d+ is missing/);
    expect(out).toMatch(
      new RegExp(`BROKEN \\[stream-revision\\] ${ticketStream(deleted)}: the stream table says revisions 0..2 but the log holds 2`),
    );
    // In log order the reordered stream shows its former revision 1 first, now numbered 2.
    expect(out).toContain(`BROKEN [chain] ${ticketStream(reordered)} revision 2 event ${ids[reordered][1]}`);
    expect(out).toContain(`BROKEN [anchor] ${ticketStream(reordered)} revision 2 event ${ids[reordered][1]}`);
    expect(out).not.toContain(`[stream-revision] ${ticketStream(reordered)}`);
  });

  it('a forger who recomputes every later hash without the key fails the keyed chain and the anchors', async () => {
    const id = await ticketWithComments(3);
    await t.app.get(AuditAnchorer).anchorNow();
    let forgedId = '';
    tamper((db) => {
      const events = rows(db, id);
      forgedId = events[1].event_id;
      let previous = JSON.parse(events[0].metadata).hash as string;
      for (const row of events.slice(1)) {
        const data = JSON.parse(row.data);
        if (row.revision === 1) data.value.text = 'I never wrote this';
        const metadata = JSON.parse(row.metadata);
        metadata.hash = eventHash(previous, {
          streamName: ticketStream(id),
          revision: BigInt(row.revision),
          id: row.event_id,
          type: row.type,
          data,
          metadata,
        });
        previous = metadata.hash;
        db.prepare('UPDATE es_events SET data = ?, metadata = ? WHERE global_position = ?').run(
          JSON.stringify(data),
          JSON.stringify(metadata),
          row.global_position,
        );
      }
    });
    // Before keyed links (scheme 1) this recomputed chain verified and only the anchors caught it.
    expect(verifyChain(await t.store.readStream(ticketStream(id)), undefined, { key: t.app.get(ChainKey).key })).toMatchObject({
      valid: false,
      brokenAt: { revision: '1' },
    });

    const { verification } = (await audit(id)).json();
    expect(verification.broken_at).toMatchObject({ check: 'chain', revision: 1, event_id: forgedId });
    expect(verification.streams[0].findings).toContainEqual(
      expect.objectContaining({ check: 'anchor', revision: 1, reason: expect.stringContaining('changed after it was anchored') }),
    );
    const { out } = await cli('verify');
    expect(out).toContain(`BROKEN [chain] ${ticketStream(id)} revision 1 event ${forgedId}`);
    expect(out).toContain(`BROKEN [anchor] ${ticketStream(id)} revision 1 event ${forgedId}`);

    // Re-pointing the anchor at the forged event needs the key: without it the anchor's MAC gives it away.
    tamper((db) => {
      db.prepare("UPDATE audit_anchors SET digest = 'f00d' WHERE stream_id = ? AND revision = 1").run(ticketStream(id));
    });
    expect((await audit(id)).json().verification.streams[0].findings).toContainEqual(
      expect.objectContaining({ check: 'anchor', revision: 1, reason: expect.stringContaining('fails its MAC') }),
    );
    expect((await cli('verify')).out).toMatch(/BROKEN \[ledger\] .*fails its MAC/);
  });

  it('a cut at the end of the log and the ledger shows only against an exported anchor', async () => {
    const id = await ticketWithComments(1);
    await t.app.get(AuditAnchorer).anchorNow();
    const exported = await cli('export-anchor');
    expect(exported.code).toBe(0);
    const file = join(t.dir, 'kept-by-the-auditor.json');
    writeFileSync(file, exported.out);
    tamper((db) => {
      const last = rows(db, id)[1];
      db.prepare('DELETE FROM es_events WHERE global_position = ?').run(last.global_position);
      db.prepare('DELETE FROM audit_anchors WHERE seq = (SELECT max(seq) FROM audit_anchors)').run();
      db.prepare('UPDATE es_streams SET revision = 0 WHERE stream_id = ?').run(ticketStream(id));
      db.prepare("UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'es_events'").run();
    });
    expect((await cli('verify')).out).not.toContain(ticketStream(id));
    const checked = await cli('verify', '--anchor', file);
    expect(checked.code).toBe(1);
    expect(checked.out).toContain('BROKEN [external-anchor]');
    // The ticket's read model still remembers revision 1, so the ticket's own audit notices too.
    expect((await audit(id)).json().verification.broken_at).toMatchObject({ check: 'read-model', revision: 1 });
  });
});

describe('an event appended with SQL by a database writer without the audit key', () => {
  it('is never anchored, and fails audit:verify and the ticket audit route', async () => {
    const t = await startTestApp({ store: 'sqlite', auditAnchorIntervalMs: 0 });
    try {
      const auth = { ...storefrontAuth('a'), 'user-agent': 'jest-e2e' };
      const created = await t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/`,
        headers: auth,
        payload: { category: 'x', content: { title: 'audited' } },
      });
      const id = created.json()._id as string;
      const stream = ticketStream(id);
      await t.app.get(AuditAnchorer).anchorNow();
      // The forger copies the last event's shape, writes a valid unkeyed (scheme 1) link after it, fixes es_streams.
      const db = new Database(t.settings.databaseFile);
      try {
        db.transaction(() => {
          const last = db.prepare('SELECT * FROM es_events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1').get(stream) as Row & {
            created: string;
          };
          const { hash: previous, hashScheme: _dropped, ...metadata } = JSON.parse(last.metadata);
          const event = {
            streamName: stream,
            revision: BigInt(last.revision + 1),
            id: '00000000-0000-4000-8000-00000000f0f0',
            type: 'HistoryAppended',
            data: { id: newObjectId(), type: 'comment', value: { text: 'refund approved' } },
            metadata,
          };
          const hash = eventHash(previous, event);
          db.prepare(
            'INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
          ).run(
            stream,
            last.revision + 1,
            event.id,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify({ ...metadata, hash }),
            last.created,
          );
          db.prepare('UPDATE es_streams SET revision = ? WHERE stream_id = ?').run(last.revision + 1, stream);
        })();
      } finally {
        db.close();
      }
      expect(await t.app.get(AuditAnchorer).anchorNow()).toBe(0);
      const staff = await staffAuth(t, 'one');
      const { verification } = (await t.app.inject({ method: 'GET', url: `${PLATFORM}/1/ticket/${id}/audit`, headers: staff })).json();
      expect(verification).toMatchObject({
        valid: false,
        broken_at: { check: 'chain', revision: 1, reason: expect.stringContaining('unkeyed (scheme 1) event after keyed ones') },
      });
      expect(verification.streams[0]).toMatchObject({ anchored_through_revision: 0, pending_anchor: 1 });
      const lines: string[] = [];
      const code = await runAuditCli(['verify'], { LEAD_DATA_DIR: t.dir, LEAD_STORE: 'sqlite' }, (line) => lines.push(line));
      expect(code).toBe(1);
      expect(lines.join('\n')).toMatch(
        new RegExp(`BROKEN \\[chain\\] ${stream} revision 1 event 00000000-0000-4000-8000-00000000f0f0 position \\d+: an unkeyed`),
      );
    } finally {
      await t.dispose();
    }
  });
});

describe('audit anchoring in the background', () => {
  it('anchors new events every interval without being asked', async () => {
    const t = await startTestApp({ store: 'sqlite', auditAnchorIntervalMs: 20 });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/`,
        headers: storefrontAuth('a'),
        payload: { category: 'x', content: { title: 't' } },
      });
      const [event] = await t.store.readStream(ticketStream(res.json()._id));
      const staff = await staffAuth(t, 'one');
      for (let i = 0; i < 100; i++) {
        const body = (await t.app.inject({ method: 'GET', url: `${PLATFORM}/1/ticket/${event.data.id}/audit`, headers: staff })).json();
        if (body.verification.streams[0].anchored_through_revision === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the event was not anchored within 2 s');
    } finally {
      await t.dispose();
    }
  });
});

describe('the recorded address behind a proxy', () => {
  it('is the client named in x-forwarded-for when LEAD_TRUST_PROXY trusts the proxy, else the proxy', async () => {
    const recordedIp = async (trustProxy: boolean) => {
      const t = await startTestApp({ trustProxy, auditAnchorIntervalMs: 0 });
      try {
        const headers = { ...storefrontAuth('a'), 'x-forwarded-for': '203.0.113.7' };
        const res = await t.app.inject({
          method: 'POST',
          url: `${STOREFRONT}/ticket/`,
          headers,
          payload: { category: 'x', content: { title: 't' } },
        });
        return ((await t.store.readStream(ticketStream(res.json()._id)))[0].metadata.source as { ip: string }).ip;
      } finally {
        await t.dispose();
      }
    };
    expect(await recordedIp(true)).toBe('203.0.113.7');
    expect(await recordedIp(false)).toBe('127.0.0.1');
  });
});
