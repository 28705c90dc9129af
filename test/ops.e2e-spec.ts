import { PROJECTION_TYPES } from '../src/app.projections';
import { CommandBus } from '@nestjs/cqrs';
import { systemContext } from '../src/platform/http/system-context';
import { RecordedEvent, StoreUnavailableError } from '../src/platform/event-store/event-store.port';
import { SQLITE_DB } from '../src/platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../src/platform/sqlite/sqlite-database';
import { randomUUID } from 'node:crypto';
import { AppendHistoryCommand } from '../src/modules/tickets/commands/append-history.command';
import { TicketProjection } from '../src/modules/tickets/read-model/ticket.projection';
import { runProjectionsCli } from '../src/platform/projections/cli';
import { ProjectionReport } from '../src/platform/projections/projection-report';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { APPS, TestApp, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';

describe('operating the service: health, metrics, poison events, correlation (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ projectionRetryMs: 20 });
  });
  afterAll(async () => t.dispose());

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const createTicket = (headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: { ...storefrontAuth('a', 'alice'), ...headers },
      payload: { category: 'order-issue', content: { title: 'Late' } },
    });
  const metric = async (line: string) => {
    const text = (await get('/metrics')).body;
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };
  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runProjectionsCli(PROJECTION_TYPES, argv, { LEAD_DATA_DIR: t.dir }, (l) => lines.push(l), { progress: false });
    return { code, output: lines.join('\n') };
  };
  const eventsOf = async (id: string) => t.store.readStream(`ticket-${id}`);

  it('health: live while the process runs; ready with the store answering and every projection caught up', async () => {
    expect((await get('/health/live')).json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      info: {
        event_store: { status: 'up' },
        projections: { status: 'up', tickets: { mode: 'live', lag: 0 }, 'video-rooms': { mode: 'live', lag: 0 } },
      },
    });
    // On the embedded store the models the API answers from are applied in the append's transaction.
    const lifecycles = Object.fromEntries(
      ['tickets', 'video-rooms', 'forms', 'desk'].map((n) => [n, ready.json().info.projections[n].lifecycle]),
    );
    expect(lifecycles).toEqual({ tickets: 'inline', 'video-rooms': 'inline', forms: 'inline', desk: 'async' });
  });

  it('metrics: requests by route pattern and status, appends and conflicts, projection gauges, process metrics', async () => {
    const created = await createTicket();
    expect(created.statusCode).toBe(201);
    await t.app.inject({ method: 'GET', url: `${BASE}/ticket/${created.json()._id}`, headers: storefrontAuth('a', 'alice') });
    await t.app.inject({ method: 'GET', url: `${BASE}/ticket/000000000000000000000000`, headers: storefrontAuth('a', 'alice') });
    await t.store
      .append(`ticket-${created.json()._id}`, [{ type: 'Noise', data: {} }], { expectedRevision: 'no_stream' })
      .catch(() => undefined);
    expect(await metric('lead_http_requests_total{method="POST",route="/service/application/lead/v1.0/ticket",status_code="201"}')).toBe(1);
    expect(await metric('lead_http_requests_total{method="GET",route="/service/application/lead/v1.0/ticket/:id",status_code="404"}')).toBe(
      1,
    );
    expect(
      await metric(
        'lead_http_request_duration_seconds_count{method="GET",route="/service/application/lead/v1.0/ticket/:id",status_code="200"}',
      ),
    ).toBe(1);
    expect(await metric('lead_event_store_appends_total{result="ok"}')).toBeGreaterThanOrEqual(1);
    expect(await metric('lead_event_store_appends_total{result="conflict"}')).toBe(1);
    expect(await metric('lead_projection_lag_events{projection="tickets"}')).toBe(0);
    expect(await metric('lead_projection_position{projection="tickets"}')).toBe((await t.store.readAll()).length);
    expect(await metric('lead_projection_halted{projection="tickets"}')).toBe(0);
    expect(await metric('lead_ready')).toBe(1);
    expect(await metric('lead_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it("the caller's ids flow into events: x-correlation-id, else x-request-id, else the generated request id", async () => {
    const withCorrelation = await createTicket({ 'x-correlation-id': 'chat-42', 'x-request-id': 'req-1' });
    expect(withCorrelation.headers['x-request-id']).toBe('req-1');
    expect((await eventsOf(withCorrelation.json()._id))[0].metadata).toMatchObject({ correlationId: 'chat-42' });
    const withRequestId = await createTicket({ 'x-request-id': 'req-2' });
    expect((await eventsOf(withRequestId.json()._id))[0].metadata).toMatchObject({ correlationId: 'req-2' });
    const bare = await createTicket();
    const generated = bare.headers['x-request-id'] as string;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect((await eventsOf(bare.json()._id))[0].metadata).toMatchObject({ correlationId: generated });
  });

  it('work caused by an event names it as its cause and keeps its correlation id', async () => {
    const ticket = (await createTicket({ 'x-correlation-id': 'chat-43' })).json();
    const [cause] = await eventsOf(ticket._id);
    const context = systemContext('follow-up', { tenant: { companyId: '1', applicationId: APPS.a.application_id }, causedBy: cause });
    await t.app
      .get(CommandBus)
      .execute(
        new AppendHistoryCommand(
          ticket._id,
          { companyId: '1' },
          { type: 'log', value: { text: 'auto-reply sent' }, createdBy: { id: 'bot' } },
          context,
        ),
      );
    const followUp = (await eventsOf(ticket._id))[1] as RecordedEvent;
    expect(followUp.metadata).toMatchObject({
      causationId: cause.id,
      correlationId: 'chat-43',
      actor: { type: 'system', id: 'follow-up' },
    });
    expect(cause.metadata.causationId).not.toBe(cause.id); // the ticket's own cause is the command that wrote it
  });

  it('inline: an append the tickets model cannot apply is refused whole (503 class), nothing stored, nothing halted', async () => {
    // A TicketCreated the projection cannot apply (a writer bug), appended behind the command path's back.
    const refused = t.store.append('ticket-refused', [{ type: 'TicketCreated', data: { content: null } }], {
      expectedRevision: 'no_stream',
    });
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await eventsOf('refused')).toEqual([]);
    expect(
      t.app
        .get(ProjectionRunner)
        .status()
        .every((s) => s.halted === undefined),
    ).toBe(true);
    expect((await createTicket()).statusCode).toBe(201);
  });

  it('inline, over HTTP: a comment the tickets model cannot apply answers a 503 problem document; neither the event nor a row is stored', async () => {
    const id = (await createTicket()).json()._id as string;
    const history = () => t.app.inject({ method: 'GET', url: `${BASE}/ticket/${id}/history`, headers: storefrontAuth('a', 'alice') });
    const before = (await history()).json();
    const apply = jest.spyOn(t.app.get(TicketProjection), 'apply').mockImplementationOnce(() => {
      throw new Error('a bug in the model');
    });
    const refused = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/${id}/history`,
      headers: storefrontAuth('a', 'alice'),
      payload: { type: 'comment', value: { text: 'refused' } },
    });
    apply.mockRestore();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 503, detail: expect.stringContaining('nothing was stored') });
    expect(await eventsOf(id)).toHaveLength(1); // the TicketCreated only
    expect((await history()).json()).toEqual(before);
    expect(
      t.app
        .get(ProjectionRunner)
        .status()
        .every((s) => s.halted === undefined),
    ).toBe(true);
    // The same request again, the model fixed: stored and shown.
    const again = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/${id}/history`,
      headers: storefrontAuth('a', 'alice'),
      payload: { type: 'comment', value: { text: 'refused' } },
    });
    expect(again.statusCode).toBe(201);
    expect(await eventsOf(id)).toHaveLength(2);
  });

  it('a poison event halts the tickets projection (status, readiness, metrics) until an operator parks it', async () => {
    // A TicketCreated the projection cannot apply, written into the log behind the service's back (another
    // process, a restored file): inline models never see it, the asynchronous feed does and halts on it.
    const db = t.app.get<SqliteDatabase>(SQLITE_DB);
    db.prepare(
      "INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES ('ticket-broken', 0, ?, 'TicketCreated', '{\"content\":null}', '{}', ?)",
    ).run(randomUUID(), new Date().toISOString());
    db.prepare("INSERT INTO es_streams (stream_id, revision) VALUES ('ticket-broken', 0)").run();
    const runner = t.app.get(ProjectionRunner);
    await waitUntil(() => runner.status()[0].halted !== undefined);
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'error',
      error: { projections: { status: 'down', tickets: { halted: expect.stringContaining('TicketCreated') } } },
    });
    expect(await metric('lead_projection_halted{projection="tickets"}')).toBe(1);
    expect(await metric('lead_ready')).toBe(0);
    const status = await cli('status', '--json');
    const tickets = (JSON.parse(status.output) as ProjectionReport[]).find((r) => r.name === 'tickets')!;
    expect(tickets).toMatchObject({ lag: 1, halted: expect.stringMatching(/TicketCreated .* \(ticket-broken@0\)/), parked: [] });
    expect((await cli('status')).output).toMatch(/tickets .* HALTED/);

    expect(await cli('skip', 'tickets')).toMatchObject({ code: 0, output: expect.stringContaining('parked TicketCreated') });
    await waitUntil(() => runner.status()[0].halted === undefined);
    // The desk's search index reads TicketCreated too, so the same event halts it: an operator parks it there too.
    await waitUntil(() => runner.status().find((r) => r.name === 'desk')?.halted !== undefined);
    expect(await cli('skip', 'desk')).toMatchObject({ code: 0, output: expect.stringContaining('parked TicketCreated') });
    await waitUntil(async () => (await get('/health/ready')).statusCode === 200);
    expect(await metric('lead_projection_parked_events{projection="tickets"}')).toBe(1);
    expect((await createTicket()).statusCode).toBe(201); // writes go through again
    // Retrying it fails again (the event is still broken): it stays parked, with its attempts counted.
    expect(await cli('retry', 'tickets')).toMatchObject({
      code: 1,
      output: expect.stringContaining('0 parked event(s) applied and unparked, 1 still failing'),
    });
    const after = (JSON.parse((await cli('status', '--json')).output) as ProjectionReport[]).find((r) => r.name === 'tickets')!;
    expect(after).toMatchObject({ halted: null, lag: 0, parked: [{ stream: 'ticket-broken', type: 'TicketCreated', attempts: 3 }] });
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
