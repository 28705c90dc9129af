import { Injectable } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so that several
 * applications in one process (the tests) do not collide. Served at GET /metrics.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'lead_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'lead_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly appends = new Counter({
    name: 'lead_event_store_appends_total',
    help: 'Appends to the event store by result: ok, conflict (wrong expected revision; the command path retries) or error',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'lead_events_appended_total',
    help: 'Events written by successful appends',
    registers: [this.registry],
  });

  readonly brokenChainRefusals = new Counter({
    name: 'lead_writes_refused_broken_chain_total',
    help: 'Requests refused (503) because the stream they write to has a broken hash chain at its end: alert on any',
    registers: [this.registry],
  });
  readonly formTicketsParked = new Counter({
    name: 'lead_form_tickets_parked_total',
    help: 'Form responses whose ticket can never be written (too large for the store, stream deleted...): parked, not retried; see the log line',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'lead_' });
  }
}

/**
 * Counts every answered request by its route pattern (`/ticket/:id`, not the raw URL, so the label set stays
 * small); requests no route matched are `unmatched`. The labelled children are kept per method, route and
 * status: prom-client would otherwise hash a label object twice per request to find them.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  const children = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<'method' | 'route' | 'status_code'> }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method: request.method, route, status_code: String(reply.statusCode) };
      child = { requests: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
      children.set(key, child);
    }
    child.requests.inc();
    child.duration.observe(reply.elapsedTime / 1000);
    done();
  });
}
