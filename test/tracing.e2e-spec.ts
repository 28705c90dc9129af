import { spans } from './support/in-memory-tracing'; // first: tracing must start before anything traced loads
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { CommandBus } from '@nestjs/cqrs';
import { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemContext } from '../src/platform/http/system-context';
import { AppendHistoryCommand } from '../src/modules/tickets/commands/append-history.command';
import { stopTracing } from '../src/platform/ops/tracing';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { ServerProcess, startServer } from './support/server-process';
import { APPS, TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const BASE = '/service/application/lead/v1.0';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  attributes: Record<string, unknown>;
}
const view = (s: ReadableSpan): SpanView => ({
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  name: s.name,
  kind: s.kind,
  attributes: s.attributes,
});
const ancestors = (all: SpanView[], span: SpanView): SpanView[] => {
  const parent = all.find((s) => s.spanId === span.parentSpanId);
  return parent ? [parent, ...ancestors(all, parent)] : [];
};
const one = (all: SpanView[], name: string) => {
  const found = all.filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0];
};
const batchesOf = (all: SpanView[]) => all.filter((s) => /^projection .+ batch$/.test(s.name));

/**
 * The part of one create's span tree the service makes itself: command, append, the models applied in the
 * append's transaction (one `projection inline` span, on the embedded store) and the batches of the models fed
 * after the commit (every model, on EventStoreDB). Both continue the command's trace.
 */
function expectCreateTree(all: SpanView[], ticketId: string, traceparent: unknown, inline: boolean): SpanView {
  const command = one(all, 'command CreateTicket');
  expect(command.attributes).toMatchObject({
    'lead.command.kind': 'CreateTicket',
    'lead.stream': `ticket-${ticketId}`,
    'lead.command.outcome': 'appended',
    'lead.command.attempts': 1,
    'lead.command.events': 1,
  });
  // The ticket's own append (on EventStoreDB a create first reserves its number in the company's sequence stream).
  const appends = all.filter((s) => s.name === 'event_store.append' && s.attributes['lead.stream'] === `ticket-${ticketId}`);
  expect(appends).toHaveLength(1);
  const [append] = appends;
  expect(append.parentSpanId).toBe(command.spanId);
  expect(append.kind).toBe(SpanKind.CLIENT);
  expect(append.attributes).toMatchObject({
    'db.operation.name': 'append',
    'lead.stream': `ticket-${ticketId}`,
    'lead.event_store.expected_revision': 'no_stream',
    'lead.event_store.event_count': 1,
    'lead.event_store.event_types': ['TicketCreated'],
  });
  // The event records the command's span; the projections that apply it continue that trace.
  expect(traceparent).toBe(`00-${command.traceId}-${command.spanId}-01`);
  const batches = batchesOf(all);
  const inlineSpans = all.filter((s) => s.name === 'projection inline');
  if (inline) {
    expect(inlineSpans).toHaveLength(1);
    expect(inlineSpans[0].parentSpanId).toBe(command.spanId);
    expect(inlineSpans[0].attributes).toMatchObject({ 'lead.projection.lifecycle': 'inline', 'lead.projection.events': 1 });
    expect(inlineSpans[0].attributes['lead.projection.models']).toEqual(expect.arrayContaining(['tickets', 'forms']));
    expect(batches.map((b) => b.attributes['lead.projection'])).not.toContain('tickets');
    expect(batches.map((b) => b.attributes['lead.projection'])).toContain('desk');
  } else {
    expect(inlineSpans).toEqual([]);
    expect(batches.map((b) => b.attributes['lead.projection'])).toContain('tickets');
  }
  for (const b of batches) {
    expect(b.parentSpanId).toBe(command.spanId);
    expect(b.attributes).toMatchObject({ 'lead.projection.kind': 'live', 'lead.projection.events': 1 });
  }
  return command;
}

describe('tracing in the process (in-memory exporter)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.dispose();
    await stopTracing({ all: true });
  });

  it('one create: the command, its append, the projection batches its event causes; work caused by the event continues the trace', async () => {
    spans.reset();
    const created = await t.app.inject({
      method: 'POST',
      url: `${BASE}/ticket/`,
      headers: storefrontAuth('a', 'alice'),
      payload: { category: 'order-issue', content: { title: 'Late' } },
    });
    expect(created.statusCode).toBe(201);
    const ticketId = created.json()._id as string;
    const [event] = await t.store.readStream(`ticket-${ticketId}`);
    // The answer waited for the models it needed (none, inline): the models fed after the commit have their batches now.
    const runner = t.app.get(ProjectionRunner);
    expect(await runner.waitFor(event.position, 5000)).toBe(true);
    const inline = runner.status().some((s) => s.lifecycle === 'inline');
    const all = spans.getFinishedSpans().map(view);
    const command = expectCreateTree(all, ticketId, event.metadata.traceparent, inline);
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set([command.traceId]));
    const tickets = inline
      ? all.find((s) => s.name === 'projection inline')!
      : batchesOf(all).find((b) => b.attributes['lead.projection'] === 'tickets')!;
    expect(tickets.attributes['lead.projection.last_commit']).toBe(String(event.position.commit));

    // A reaction to the event (what a process manager does): its command is a child of the one that wrote the event.
    spans.reset();
    const context = systemContext('follow-up', { tenant: { companyId: '1', applicationId: APPS.a.application_id }, causedBy: event });
    await t.app
      .get(CommandBus)
      .execute(
        new AppendHistoryCommand(
          ticketId,
          { companyId: '1' },
          { type: 'log', value: { text: 'auto-reply sent' }, createdBy: { id: 'bot' } },
          context,
        ),
      );
    const reaction = spans
      .getFinishedSpans()
      .map(view)
      // Other reactions to the same event (the SLA processor's command) run in this trace too: take this one's.
      .find((s) => s.name.startsWith('command ') && s.attributes['lead.stream'] === `ticket-${ticketId}`)!;
    expect(reaction).toMatchObject({ traceId: command.traceId, parentSpanId: command.spanId });
    const [, followUp] = await t.store.readStream(`ticket-${ticketId}`);
    expect(followUp.metadata.traceparent).toBe(`00-${command.traceId}-${reaction.spanId}-01`);
  });

  it('a refused command (a stale If-Match: 412) is marked with its error type, not as a failed span', async () => {
    const ticket = (
      await t.app.inject({
        method: 'POST',
        url: `${BASE}/ticket/`,
        headers: storefrontAuth('a', 'alice'),
        payload: { category: 'order-issue', content: { title: 'Late' } },
      })
    ).json();
    spans.reset();
    const refused = await t.app.inject({
      method: 'PUT',
      url: `/service/platform/lead/v1.0/company/1/ticket/${ticket._id}`,
      headers: { ...(await staffAuth(t, 'one', 'agent-7')), 'if-match': '"7"' },
      payload: { priority: 'high' },
    });
    expect(refused.statusCode).toBe(412);
    const [command] = spans.getFinishedSpans().filter((s) => s.name.startsWith('command '));
    expect(command.attributes).toMatchObject({ 'lead.stream': `ticket-${ticket._id}`, 'error.type': 'DomainError' });
    expect(command.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans.getFinishedSpans().filter((s) => s.name === 'event_store.append')).toEqual([]);
  });
});

/** OTLP/HTTP JSON (what OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends) into memory. */
async function otlpReceiver(): Promise<{ server: Server; endpoint: string; spans: SpanView[] }> {
  const received: SpanView[] = [];
  const value = (v: Record<string, unknown>): unknown =>
    'stringValue' in v
      ? v.stringValue
      : 'intValue' in v
        ? Number(v.intValue)
        : 'boolValue' in v
          ? v.boolValue
          : 'arrayValue' in v
            ? ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(value)
            : v.doubleValue;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Record<string, any>[] }[] }[] };
      for (const rs of doc.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            received.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind - 1, // OTLP numbers kinds from 1 (internal); the API from 0
              attributes: Object.fromEntries(
                (s.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [a.key, value(a.value)]),
              ),
            });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { server, endpoint: `http://127.0.0.1:${port}/v1/traces`, spans: received };
}

describe('tracing of the real service, enabled by OTEL_* variables (child process, OTLP into memory)', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let service: ServerProcess;
  let dir: string;
  beforeAll(async () => {
    receiver = await otlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'lead-tracing-'));
    service = await startServer(dir, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'lead-under-test',
    });
  }, 60_000);
  afterAll(async () => {
    await service?.kill9();
    receiver?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("one create: the caller's trace continues through HTTP, Fastify, the command, its append and the projections", async () => {
    const created = await fetch(`${service.url}${BASE}/ticket/`, {
      method: 'POST',
      headers: { ...storefrontAuth('a', 'alice'), 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      body: JSON.stringify({ category: 'order-issue', content: { title: 'Late' } }),
    });
    expect(created.status).toBe(201);
    const ticketId = ((await created.json()) as { _id: string })._id;
    await fetch(`${service.url}/health/ready`); // not traced: nothing of it may arrive
    const deadline = Date.now() + 15_000;
    const complete = () =>
      receiver.spans.some((s) => s.kind === SpanKind.SERVER) && receiver.spans.some((s) => s.name === 'projection desk batch');
    while (!complete() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    await new Promise((done) => setTimeout(done, 300)); // what the probe would have sent, had it been traced
    const all = receiver.spans.filter((s) => s.traceId === CALLER_TRACE);

    expect(receiver.spans.filter((s) => String(s.attributes['url.path'] ?? '').startsWith('/health'))).toEqual([]);
    // The create is one trace, the caller's: nothing of it started a trace of its own.
    expect(
      receiver.spans.filter(
        (s) => s.traceId !== CALLER_TRACE && String(s.attributes['lead.stream'] ?? s.attributes['url.path'] ?? '').includes('ticket'),
      ),
    ).toEqual([]);
    const server = all.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server).toMatchObject({
      parentSpanId: CALLER_SPAN,
      attributes: { 'http.route': `${BASE}/ticket`, 'http.response.status_code': 201 },
    });
    expect(all.some((s) => s.name.includes('fastify') || String(s.attributes['fastify.type'] ?? '') !== '')).toBe(true);
    const command = all.find((s) => s.name === 'command CreateTicket')!;
    expect(ancestors(all, command)).toContainEqual(server); // under the request, through Fastify's handler spans
    const audit = await fetch(`${service.url}${BASE}/ticket/${ticketId}`, { headers: storefrontAuth('a', 'alice') });
    expect(audit.status).toBe(200);
    expectCreateTree(all, ticketId, `00-${CALLER_TRACE}-${command.spanId}-01`, true); // the child runs on the embedded store
  }, 60_000);
});
