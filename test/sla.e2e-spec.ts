import { SqliteDatabase, openSqlite } from '../src/platform/sqlite/sqlite-database';
import { SQLITE_DB } from '../src/platform/sqlite/sqlite.module';
import { SlaClock } from '../src/modules/sla/sla-command-handlers';
import { SlaProjection } from '../src/modules/sla/sla.projection';
import { SlaHistoryProjection } from '../src/modules/sla/sla-history.projection';
import { SlaProcessor } from '../src/modules/sla/sla-processor';
import { TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const COMPANY_1 = '/service/platform/lead/v1.0/company/1';
const MINUTE = 60_000;

describe('SLA policies (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let clockOffset = 0;
  beforeAll(async () => {
    // A short processor and scheduler interval: the background loop does the work, the test only waits.
    t = await startTestApp({ slaProcessorIntervalMs: 50, slaSchedulerIntervalMs: 100 });
    staff = await staffAuth(t, 'one', 'agent-7');
    // The scheduler's wall clock, moved forward by the test instead of waiting for minutes to pass.
    t.app.get(SlaClock).now = () => Date.now() + clockOffset;
  });
  afterAll(async () => t.dispose());

  type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
  const call = (method: Method, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers: { 'user-agent': 'jest-e2e', ...headers }, payload: payload as object });
  const desk = (method: Method, path: string, payload?: unknown) => call(method, `${COMPANY_1}${path}`, staff, payload);
  const openTicket = async (priority: string, category = 'order-issue') =>
    (
      await call('POST', `${STOREFRONT}/ticket/`, storefrontAuth('a', 'alice'), {
        category,
        priority,
        content: { title: 'Where is my order?', description: 'FY-1' },
      })
    ).json();
  const slaEvents = async (id: string): Promise<Record<string, any>[]> =>
    (await t.store.readStream(`sla-${id}`)).map((e) => ({ type: e.type, ...e.data, metadata: e.metadata }));
  /** Polls the staff answer until `check` holds (the SLA follows the ticket through the processor). */
  const until = async (id: string, check: (sla: Record<string, any> | undefined) => boolean): Promise<Record<string, any>> => {
    for (let i = 0; i < 200; i++) {
      const sla = (await desk('GET', `/ticket/${id}`)).json().sla;
      if (check(sla)) return sla;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`SLA of ${id} never got there: ${JSON.stringify((await desk('GET', `/ticket/${id}`)).json().sla)}`);
  };

  let urgent: { _id: string; version: number };

  it('manages business hours and ordered policies, as audited events, refusing bad input with problem details', async () => {
    expect((await desk('GET', '/business-hours')).json()).toMatchObject({
      zone: 'UTC',
      weekly: { monday: [{ start: '09:00', end: '17:00' }] },
    });
    const bad = await desk('PUT', '/business-hours', { zone: 'Mars/Base', weekly: { monday: [{ start: '10:00', end: '09:00' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['zone', 'weekly.monday[0]', 'weekly']);
    const hours = {
      zone: 'Asia/Kolkata',
      weekly: {
        monday: [
          { start: '09:00', end: '13:00' },
          { start: '14:00', end: '18:00' },
        ],
      },
      holidays: ['2026-12-25'],
    };
    expect((await desk('PUT', '/business-hours', hours)).json()).toEqual(hours);

    expect((await desk('POST', '/sla-policies', { name: 'No targets', targets: {} })).statusCode).toBe(400);
    expect(
      (await desk('POST', '/sla-policies', { name: 'Bad', targets: { first_reply: { minutes: 0, time: 'business' } } })).statusCode,
    ).toBe(400);
    const everything = (
      await desk('POST', '/sla-policies', { name: 'Everything', targets: { resolution: { minutes: 2400, time: 'business' } } })
    ).json();
    const created = await desk('POST', '/sla-policies', {
      name: 'Urgent',
      condition: { priorities: ['urgent'] },
      targets: {
        first_reply: { minutes: 60, time: 'calendar' },
        next_reply: { minutes: 30, time: 'calendar' },
        resolution: { minutes: 480, time: 'calendar' },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Urgent', position: 1, version: 1, pause_statuses: ['resolved'] });
    urgent = created.json();
    const reordered = await desk('PUT', '/sla-policies/order', { order: [urgent._id, everything._id] });
    expect(reordered.json().items.map((p: { name: string }) => p.name)).toEqual(['Urgent', 'Everything']);
    const body = { name: 'Urgent', condition: { priorities: ['urgent'] }, targets: created.json().targets };
    expect((await desk('PUT', `/sla-policies/${urgent._id}`, { ...body, colour: 'red' })).statusCode).toBe(400); // unknown fields are refused
    expect((await desk('PUT', '/sla-policies/000000000000000000000000', body)).statusCode).toBe(404);
    urgent = (await desk('PUT', `/sla-policies/${urgent._id}`, body)).json();
    expect(urgent.version).toBe(2);
    const doomed = (
      await desk('POST', '/sla-policies', { name: 'Doomed', targets: { resolution: { minutes: 5, time: 'calendar' } } })
    ).json();
    expect((await desk('DELETE', `/sla-policies/${doomed._id}`)).statusCode).toBe(204);
    expect((await desk('GET', `/sla-policies/${doomed._id}`)).statusCode).toBe(404);
    expect((await desk('GET', '/sla-policies')).json().items.map((p: { name: string }) => p.name)).toEqual(['Urgent', 'Everything']);

    const events = await t.store.readStream('sla-config-1');
    expect(events.map((e) => e.type)).toEqual([
      'BusinessHoursSet',
      'SlaPolicyCreated',
      'SlaPolicyCreated',
      'SlaPoliciesReordered',
      'SlaPolicyUpdated',
      'SlaPolicyCreated',
      'SlaPolicyDeleted',
    ]);
    expect(events[0].metadata).toMatchObject({ actor: { type: 'staff_user', id: 'agent-7' }, tenant: { companyId: '1' } });
    // Another company sees none of it.
    const other = await staffAuth(t, 'two');
    expect((await call('GET', '/service/platform/lead/v1.0/company/2/sla-policies', other)).json()).toEqual({ items: [] });
  });

  it('applies the matching policy on create, recording its version; pauses and resumes on status; a staff reply fulfils first reply', async () => {
    const ticket = await openTicket('urgent');
    const applied = await until(ticket._id, (sla) => sla?.targets.resolution !== undefined);
    expect(applied).toMatchObject({ policy: { _id: urgent._id, name: 'Urgent', version: 2 }, state: 'active' });
    const due = Date.parse(ticket.created_at) + 60 * MINUTE;
    expect(applied.targets.first_reply).toMatchObject({
      state: 'active',
      time: 'calendar',
      due_at: new Date(due).toISOString(),
      target_minutes: 60,
    });
    expect(applied.targets.first_reply.remaining_minutes).toBeGreaterThanOrEqual(58);
    expect(applied.next_due_at).toBe(new Date(due).toISOString());
    // The storefront never sees the block.
    expect((await call('GET', `${STOREFRONT}/ticket/${ticket._id}`, storefrontAuth('a', 'alice'))).json().sla).toBeUndefined();

    expect((await desk('PUT', `/ticket/${ticket._id}`, { status: 'resolved' })).statusCode).toBe(200);
    const paused = await until(ticket._id, (sla) => sla?.state === 'paused');
    expect(paused.targets.first_reply).toMatchObject({ state: 'paused', due_at: null });
    await new Promise((r) => setTimeout(r, 20));
    expect((await desk('PUT', `/ticket/${ticket._id}`, { status: 'in_progress' })).statusCode).toBe(200);
    const resumed = await until(ticket._id, (sla) => sla?.state === 'active');
    const timeline = await slaEvents(ticket._id);
    const pausedAt = Date.parse(timeline.find((e) => e.type === 'SlaClockPaused')!.at as string);
    const resumedAt = Date.parse(timeline.find((e) => e.type === 'SlaClockResumed')!.at as string);
    expect(resumedAt).toBeGreaterThan(pausedAt);
    expect(Date.parse(resumed.targets.first_reply.due_at)).toBe(due + (resumedAt - pausedAt));

    await desk('POST', `/ticket/${ticket._id}/history`, { type: 'comment', value: { text: 'On it' } });
    const replied = await until(ticket._id, (sla) => sla?.targets.first_reply.state === 'fulfilled');
    expect(replied.targets.first_reply).toMatchObject({ due_at: null });
    expect(replied.targets.resolution.state).toBe('active');

    const written = await slaEvents(ticket._id);
    expect(written.map((e) => e.type)).toEqual([
      'SlaApplied',
      'SlaTargetActivated',
      'SlaTargetActivated',
      'SlaClockPaused',
      'SlaClockResumed',
      'SlaTargetFulfilled',
    ]);
    expect(written[0]).toMatchObject({ policy: { id: urgent._id, version: 2 }, reason: 'created', hours: { zone: 'Asia/Kolkata' } });
    // Each SLA event names the ticket event it follows, and the system actor that wrote it.
    const ticketEvents = await t.store.readStream(`ticket-${ticket._id}`);
    expect(written[0].metadata).toMatchObject({ causationId: ticketEvents[0].id, actor: { type: 'system', id: 'sla-processor' } });
  });

  it('breaches on time, once, with the due time as the breach time; the list filters and sorts by SLA', async () => {
    const policy = (
      await desk('POST', '/sla-policies', {
        name: 'One minute',
        condition: { categories: ['express'] },
        targets: { first_reply: { minutes: 1, time: 'calendar' } },
      })
    ).json();
    await desk('PUT', '/sla-policies/order', {
      order: [
        policy._id,
        ...(await desk('GET', '/sla-policies'))
          .json()
          .items.map((p: { _id: string }) => p._id)
          .filter((id: string) => id !== policy._id),
      ],
    });
    const quick = await openTicket('low', 'express');
    const slow = await openTicket('urgent');
    await until(quick._id, (sla) => sla?.state === 'active');
    await until(slow._id, (sla) => sla?.state === 'active');

    const sorted = (await desk('GET', '/ticket?sort=sla_due&sla_state=active')).json().items.map((i: { _id: string }) => i._id);
    expect(sorted.indexOf(quick._id)).toBeLessThan(sorted.indexOf(slow._id));

    clockOffset = 2 * MINUTE; // the scheduler now sees the one-minute target as past due
    const breached = await until(quick._id, (sla) => sla?.state === 'breached');
    const due = new Date(Date.parse(quick.created_at) + MINUTE).toISOString();
    expect(breached.targets.first_reply).toMatchObject({ state: 'breached', breached_at: due });
    await new Promise((r) => setTimeout(r, 400)); // a few more scheduler runs
    const breaches = (await slaEvents(quick._id)).filter((e) => e.type === 'SlaBreached');
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({ target: 'first_reply', at: due, metadata: { actor: { type: 'system', id: 'sla-scheduler' } } });
    expect((await slaEvents(slow._id)).some((e) => e.type === 'SlaBreached')).toBe(false);

    const listed = (await desk('GET', '/ticket?sla_state=breached')).json().items.map((i: { _id: string }) => i._id);
    expect(listed).toEqual([quick._id]);
    clockOffset = 0;
  });

  it('applies the policy again when the priority changes: the new one, its version, running clocks kept', async () => {
    const ticket = await openTicket('low');
    const first = await until(ticket._id, (sla) => sla?.policy.name === 'Everything' && sla.targets.resolution !== undefined);
    expect(first.targets.resolution).toMatchObject({ time: 'business', started_at: ticket.created_at });
    expect((await desk('PUT', `/ticket/${ticket._id}`, { priority: 'urgent' })).statusCode).toBe(200);
    const second = await until(ticket._id, (sla) => sla?.policy.name === 'Urgent');
    expect(second).toMatchObject({ policy: { _id: urgent._id, version: 2 }, state: 'active' });
    expect(second.targets.resolution).toMatchObject({ time: 'calendar', started_at: ticket.created_at, target_minutes: 480 });
    const applied = (await slaEvents(ticket._id)).filter((e) => e.type === 'SlaApplied');
    expect(applied.map((e) => [e.reason, e.policy.name, e.policy.version])).toEqual([
      ['created', 'Everything', 1],
      ['priority_changed', 'Urgent', 2],
    ]);
    expect(second.targets.first_reply.started_at).toBe(applied[1].at);
  });

  it('shows the SLA events in the ticket audit; following the log again writes nothing twice', async () => {
    const [ticketId] = (
      t.app.get<SqliteDatabase>(SQLITE_DB).prepare('SELECT ticket_id FROM rm_sla LIMIT 1').all() as { ticket_id: string }[]
    ).map((r) => r.ticket_id);
    const audit = (await desk('GET', `/ticket/${ticketId}/audit`)).json();
    expect(audit.items.filter((i: { stream: string }) => i.stream === `sla-${ticketId}`).map((i: { type: string }) => i.type)).toContain(
      'SlaApplied',
    );
    expect(audit.verification).toMatchObject({ valid: true, broken_at: null });

    const before = (await t.store.readAll()).length;
    // A restart that lost its checkpoint (or a second instance): the processor follows the whole log again.
    t.app.get<SqliteDatabase>(SQLITE_DB).exec('DELETE FROM sla_processor_checkpoint');
    await t.app.get(SlaProcessor).runOnce({ schedule: true });
    expect((await t.store.readAll()).length).toBe(before);
  });

  it('a rebuild from the log reproduces every SLA state', async () => {
    const live = t.app.get<SqliteDatabase>(SQLITE_DB);
    const rows = (db: SqliteDatabase) =>
      db.prepare('SELECT ticket_id, company_id, state, sla_state, next_due_at, revision FROM rm_sla ORDER BY ticket_id').all();
    const fresh = openSqlite(':memory:');
    const projection = new SlaProjection();
    projection.init(fresh);
    for (const event of await t.store.readAll()) projection.apply(event);
    expect(rows(fresh)).toEqual(rows(live));
    expect(rows(fresh).length).toBe(4);
  });
});

describe('SLA in staff answers right after a write, and in the history (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    // The processor's timer ticks once a minute: only the writes themselves can make it follow them in time.
    t = await startTestApp({ slaProcessorIntervalMs: 60_000, slaSchedulerIntervalMs: 60_000 });
    staff = await staffAuth(t, 'one', 'agent-7');
    const policy = {
      name: 'Urgent',
      condition: { priorities: ['urgent'] },
      targets: { first_reply: { minutes: 60, time: 'calendar' }, resolution: { minutes: 480, time: 'calendar' } },
    };
    expect((await desk('POST', '/sla-policies', policy)).statusCode).toBe(201);
  });
  afterAll(async () => t.dispose());

  type Method = 'GET' | 'POST' | 'PUT';
  const call = (method: Method, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers: { 'user-agent': 'jest-e2e', ...headers }, payload: payload as object });
  const desk = (method: Method, path: string, payload?: unknown) => call(method, `${COMPANY_1}${path}`, staff, payload);
  const APPLICATION_A = `${COMPANY_1}/application/000000000000000000000a01`;
  let ticketId: string;

  it('a staff GET right after a write carries the SLA state that write caused: applied, paused, resumed, fulfilled', async () => {
    const created = await call('POST', `${STOREFRONT}/ticket/`, storefrontAuth('a', 'alice'), {
      category: 'order-issue',
      priority: 'urgent',
      content: { title: 'Where is my order?', description: 'FY-2' },
    });
    expect(created.statusCode).toBe(201);
    ticketId = created.json()._id;
    const sla = async () => (await desk('GET', `/ticket/${ticketId}`)).json().sla;
    expect(await sla()).toMatchObject({
      policy: { name: 'Urgent', version: 1 },
      state: 'active',
      targets: { first_reply: { state: 'active', target_minutes: 60 }, resolution: { state: 'active', target_minutes: 480 } },
    });

    // The edit's own answer and the next GET show the pause it caused (resolved waits on the customer).
    const resolved = await desk('PUT', `/ticket/${ticketId}`, { status: 'resolved' });
    expect(resolved.json().sla).toMatchObject({ state: 'paused', targets: { first_reply: { state: 'paused', due_at: null } } });
    expect(await sla()).toMatchObject({ state: 'paused' });
    expect((await desk('PUT', `/ticket/${ticketId}`, { status: 'in_progress' })).json().sla.state).toBe('active');

    expect((await desk('POST', `/ticket/${ticketId}/history`, { type: 'comment', value: { text: 'On it' } })).statusCode).toBe(201);
    expect(await sla()).toMatchObject({
      state: 'active',
      targets: { first_reply: { state: 'fulfilled' }, resolution: { state: 'active' } },
    });
  });

  it('the staff history shows the SLA events as log entries, in time order with the comments and edits', async () => {
    const history = (await desk('GET', `/ticket/${ticketId}/history`)).json();
    const shown = history.items.map((i: { type: string; value: Record<string, any> }) =>
      i.type === 'log' ? `log ${i.value.event}` : i.type === 'diff' ? `diff ${i.value.status?.[1]}` : i.type,
    );
    expect(shown).toEqual([
      'log SlaApplied',
      'diff resolved',
      'log SlaClockPaused',
      'diff in_progress',
      'log SlaClockResumed',
      'comment',
      'log SlaTargetFulfilled',
    ]);
    expect(history.page).toMatchObject({ item_total: 7, has_next: false });
    const times = history.items.map((i: { created_at: string }) => Date.parse(i.created_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const ticketNumber = (await desk('GET', `/ticket/${ticketId}`)).json().ticket_id;
    expect(history.items[0]).toMatchObject({
      type: 'log',
      ticket_id: ticketNumber,
      value: { event: 'SlaApplied', text: expect.stringContaining('SLA policy "Urgent" (version 1) applied'), reason: 'created' },
      created_by: { id: 'sla-processor', user_type: 'system' },
    });
    expect(history.items[0]._id).toMatch(/^[0-9a-f]{24}$/);

    // Pages cut through the merged list; the application-level route serves the same history.
    const pages = [];
    for (let page = 1; page <= 4; page++)
      pages.push(...(await desk('GET', `/ticket/${ticketId}/history?page_no=${page}&page_size=2`)).json().items);
    expect(pages).toEqual(history.items);
    expect((await call('GET', `${APPLICATION_A}/ticket/${ticketId}/history`, staff)).json()).toEqual(history);

    // Storefront callers have no history read (the Fynd application API has none): SLA targets stay internal.
    const storefront = await call('GET', `${STOREFRONT}/ticket/${ticketId}/history`, storefrontAuth('a', 'alice'));
    expect(storefront.statusCode).toBe(404);
    expect(JSON.stringify((await call('GET', `${STOREFRONT}/ticket/${ticketId}`, storefrontAuth('a', 'alice'))).json())).not.toContain(
      'Sla',
    );
  });

  it('a rebuild from the log reproduces the SLA history entries', async () => {
    const rows = (db: SqliteDatabase) => db.prepare('SELECT id, ticket_id, at_ms, position, doc FROM rm_sla_history ORDER BY id').all();
    const fresh = openSqlite(':memory:');
    const projection = new SlaHistoryProjection();
    projection.init(fresh);
    for (const event of await t.store.readAll()) projection.apply(event);
    expect(rows(fresh)).toEqual(rows(t.app.get<SqliteDatabase>(SQLITE_DB)));
    expect(rows(fresh)).toHaveLength(4);
  });
});
