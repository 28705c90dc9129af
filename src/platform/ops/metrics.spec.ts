import Fastify from 'fastify';
import { Metrics, installHttpMetrics } from './metrics';

describe('HTTP metrics', () => {
  it('counts and times every answer by method, route pattern and status, each combination on its own series', async () => {
    const metrics = new Metrics();
    const fastify = Fastify();
    installHttpMetrics(fastify, metrics);
    fastify.get('/ticket/:id', async (request, reply) =>
      (request.params as { id: string }).id === 'missing' ? reply.code(404).send({}) : {},
    );
    fastify.post('/ticket/:id', async () => ({}));
    for (const url of ['/ticket/1', '/ticket/2', '/ticket/missing', '/nowhere']) await fastify.inject({ method: 'GET', url });
    await fastify.inject({ method: 'POST', url: '/ticket/1' });
    await fastify.close();

    const series = async (name: string) =>
      Object.fromEntries(
        (await metrics.registry.getSingleMetric(name)!.get()).values
          .filter((v) => !('metricName' in v) || v.metricName === `${name}_count` || v.metricName === undefined)
          .map((v) => [`${v.labels.method} ${v.labels.route} ${v.labels.status_code}`, v.value]),
      );
    const expected = { 'GET /ticket/:id 200': 2, 'GET /ticket/:id 404': 1, 'GET unmatched 404': 1, 'POST /ticket/:id 200': 1 };
    expect(await series('lead_http_requests_total')).toEqual(expected);
    expect(await series('lead_http_request_duration_seconds')).toEqual(expected);
  });
});
