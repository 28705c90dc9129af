import { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { IncomingHttpHeaders, Server } from 'node:http';
import { Socket } from 'node:net';
import { Settings } from '../config/settings';
import { writeClientErrorProblem } from './problem-details.filter';
import { API_HEADERS } from './security-headers';

type SlowClientSettings = Pick<
  Settings,
  'headersTimeoutMs' | 'requestTimeoutMs' | 'bodyTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'
>;

/**
 * Fastify/Node server options that bound how long a client may hold a connection without finishing a request
 * (LEAD_*_TIMEOUT_MS). Node enforces the headers and request timeouts on a timer; its default period (30 s)
 * would let a stalled client stay far past a short timeout, so it ticks at a quarter of the shorter one (at
 * most every second). A connection that sends nothing at all counts as a request whose headers never came.
 */
export function slowClientServerOptions(
  settings: SlowClientSettings,
): Pick<FastifyHttpOptions<Server>, 'http' | 'requestTimeout' | 'keepAliveTimeout'> {
  const tick = Math.max(10, Math.min(1000, Math.floor(Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) / 4)));
  return {
    http: { headersTimeout: settings.headersTimeoutMs, requestTimeout: settings.requestTimeoutMs, connectionsCheckingInterval: tick },
    requestTimeout: settings.requestTimeoutMs, // Fastify sets this on the server itself, over the `http` one
    keepAliveTimeout: settings.keepAliveTimeoutMs,
  };
}

/**
 * The rest of the slow-client bounds, on the built server: at most LEAD_MAX_CONNECTIONS open connections
 * (Node closes any further one as soon as it is accepted), and a body that stops arriving for
 * LEAD_BODY_TIMEOUT_MS is cut with a 408 problem, long before the whole-request timeout. The body timer is
 * the socket's idle timer, armed when a request with a body arrives and disarmed once the body is parsed,
 * so a slow handler (a write waiting for its read models) is never cut by it.
 */
export function registerSlowClientLimits(fastify: FastifyInstance, settings: SlowClientSettings): void {
  if (settings.maxConnections > 0) fastify.server.maxConnections = settings.maxConnections;
  // Callback-style hooks (here and in the other per-request hooks): an async one costs a promise per request.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    // Only real connections have a clock to run out (injected test requests have no socket).
    if (raw.socket instanceof Socket && !raw.complete && hasBody(raw.headers)) {
      raw.setTimeout(settings.bodyTimeoutMs, () => {
        const error = Object.assign(new Error('request body stalled'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
        writeClientErrorProblem(error, raw.socket, API_HEADERS);
      });
    }
    done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const socket = request.raw.socket;
    if (socket instanceof Socket) socket.setTimeout(fastify.server.timeout);
    done();
  });
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}
