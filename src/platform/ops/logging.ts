import { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Params } from 'nestjs-pino';
import { DestinationStream, destination } from 'pino';
import PinoPretty from 'pino-pretty';
import { Settings } from '../config/settings';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ids = new WeakMap<IncomingMessage, string>();

/**
 * One request id per request, for Fastify (`request.id`, the `x-request-id` answer header, events' fallback
 * correlation id) and for the logs: the caller's `x-request-id` when it is a sane id, else a new uuid.
 */
export function requestIdOf(raw: IncomingMessage): string {
  let id = ids.get(raw);
  if (!id) {
    const given = raw.headers['x-request-id'];
    id = typeof given === 'string' && ID.test(given) ? given : randomUUID();
    ids.set(raw, id);
  }
  return id;
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

/** Structured logs (pino): one line per request with its id and correlation id, and every Nest log line. */
export function loggingOptions(settings: Pick<Settings, 'logLevel'>, stream: DestinationStream = logStream()): Params {
  return {
    pinoHttp: [
      {
        level: settings.logLevel,
        genReqId: (req) => requestIdOf(req),
        customProps: (req) => {
          const correlation = req.headers['x-correlation-id'];
          return typeof correlation === 'string' && ID.test(correlation) ? { correlationId: correlation } : {};
        },
        // Probes and scrapes every few seconds would drown the request log.
        // (Nest's middleware layer may strip the path from `url`; `originalUrl` keeps it.)
        autoLogging: { ignore: (req) => /^\/(health|metrics)/.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '') },
        redact: ['req.headers.authorization', 'req.headers.cookie'],
      },
      stream,
    ],
  };
}
