import { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino, { DestinationStream, Logger, destination, stdSerializers } from 'pino';
import PinoPretty from 'pino-pretty';
import { Settings } from '../config/settings';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One request id per request, for Fastify (`request.id`, the `x-request-id` answer header, events' fallback
 * correlation id, the request log): the caller's `x-request-id` when it is a sane id, else a new uuid. Fastify
 * asks once per request (`genReqId`); everything else reads `request.id`.
 */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && ID.test(given) ? given : randomUUID();
}

/**
 * Human-readable lines for a developer at a terminal; JSON lines everywhere else (pipes, files, containers, log
 * shippers), and always JSON in production, even at a terminal, so what an operator sees is what is shipped.
 */
export function wantsPrettyLogs(env: NodeJS.ProcessEnv = process.env, stdoutIsTerminal: boolean = process.stdout.isTTY === true): boolean {
  return stdoutIsTerminal && env.NODE_ENV !== 'production';
}

/**
 * Where log lines go: standard output (or `to`, for tests), as JSON or pretty-printed. Both write synchronously:
 * after a SIGTERM, Nest re-raises the signal once closed, and lines still buffered (the last ones, about the
 * shutdown) would be lost.
 */
export function logStream(pretty: boolean = wantsPrettyLogs(), to: number | NodeJS.WritableStream = 1): DestinationStream {
  if (pretty)
    return PinoPretty({
      destination: to,
      sync: true,
      colorize: typeof to === 'number',
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  return typeof to === 'number' ? destination({ dest: to, sync: true }) : (to as DestinationStream);
}

/** Credentials never reach a log line, in a request line or in any line written while a request is served. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie'];

/**
 * The service's root logger: the request log and every Nest log line go through it. The request serialiser is
 * pino's standard one, given the Fastify request (id, method, url, query, params, headers, client address).
 */
export function rootLogger(settings: Pick<Settings, 'logLevel'>, stream: DestinationStream = logStream()): Logger {
  const { req, res, err } = stdSerializers;
  return pino({ level: settings.logLevel, redact: REDACT, serializers: { req, res, err } }, stream);
}

/**
 * Structured logs (pino) for Nest (`nestjs-pino`'s Logger). Its pino-http middleware is not used (`forRoutes`
 * is empty): it built a child logger per request and serialised and redacted the request into it whether or
 * not any line was written, a tenth of a GET's CPU at LOG_LEVEL=warn. The request log is `installRequestLog`.
 */
export function loggingOptions(settings: Pick<Settings, 'logLevel'>, stream: DestinationStream = logStream()): Params {
  return { pinoHttp: { logger: rootLogger(settings, stream) }, forRoutes: [] };
}

/** The root logger the options above carry (bootstrap reads it from nestjs-pino's params provider). */
export function rootLoggerOf(params: Params): Logger {
  return (params.pinoHttp as { logger: Logger }).logger;
}

const ignoredInRequestLog = (url: string) => /^\/(health|metrics)/.test(url);

/**
 * What a line written while a request is served carries: the request (with its id) and its correlation id. The
 * child logger is made on the first line, so a request that writes none (most, at LOG_LEVEL=warn) pays for one
 * small object. Shaped as nestjs-pino's Store (PinoLogger reads `logger` and `assign` replaces it).
 */
class RequestLogContext {
  private child?: Logger;

  constructor(
    private readonly root: Logger,
    private readonly request: FastifyRequest,
  ) {}

  get logger(): Logger {
    return (this.child ??= this.root.child(requestBindings(this.request)));
  }

  set logger(logger: Logger) {
    this.child = logger;
  }
}

function requestBindings(request: FastifyRequest): Record<string, unknown> {
  const correlation = request.headers['x-correlation-id'];
  return typeof correlation === 'string' && ID.test(correlation) ? { req: request, correlationId: correlation } : { req: request };
}

const CONTEXT = Symbol('request log context');

/**
 * The request log, as Fastify hooks: one line when a request is answered ("request completed", or "request
 * errored" for a 5xx), only when the level writes info lines, with the request (its id, headers redacted), the
 * correlation id, the response and the time taken; probes and scrapes are not logged. Every log line written
 * while a request is served carries the request and its correlation id (nestjs-pino's async context).
 */
export function installRequestLog(fastify: FastifyInstance, root: Logger): void {
  fastify.decorateRequest(CONTEXT as unknown as string, null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context = new RequestLogContext(root, request);
    (request as unknown as Record<symbol, RequestLogContext>)[CONTEXT] = context;
    storage.run(context as unknown as Store, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (root.isLevelEnabled('info') && !ignoredInRequestLog(request.originalUrl ?? request.url)) {
      // (A request refused before the onRequest hooks ran has no context: its line is made here.)
      const context = (request as unknown as Record<symbol, RequestLogContext | null>)[CONTEXT];
      const log = context ? context.logger : root.child(requestBindings(request));
      const responseTime = Math.round(reply.elapsedTime);
      if (reply.statusCode >= 500) {
        log.info({ res: reply.raw, err: new Error(`failed with status code ${reply.statusCode}`), responseTime }, 'request errored');
      } else {
        log.info({ res: reply.raw, responseTime }, 'request completed');
      }
    }
    done();
  });
}
