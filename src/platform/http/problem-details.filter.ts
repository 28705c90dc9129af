import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyError, FastifyReply, FastifyRequest, errorCodes } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { BrokenChainError } from '../command/command-handler';
import {
  AppendTooLargeError,
  CorruptEventError,
  StoreUnavailableError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from '../event-store/event-store.port';
import { DomainError, DomainErrorKind } from '../command/domain-error';
import { RequestValidationError } from './validation';

/** RFC 9457 problem details. `type` names the kind of problem; `errors` lists broken fields. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  invalid: 400,
  limit: 422,
  forbidden_transition: 409,
  precondition_failed: 412,
};

// SQLite codes that mean "the disk cannot take this write now": the caller may retry later, nothing is lost.
const STORAGE_UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|BUSY|CANTOPEN|LOCKED)/;

const INVALID_JSON_BODY = new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY().message;
const JSON_BODY_REFUSED = 'The body is not valid JSON, or it holds a "__proto__" key, which is not accepted anywhere';

export function toProblem(error: unknown, instance?: string): ProblemDetails {
  const problem = (status: number, slug: string, detail: string, extra: Record<string, unknown> = {}): ProblemDetails => ({
    type: `urn:lead:problem:${slug}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
    ...extra,
  });
  if (error instanceof RequestValidationError) return problem(400, 'validation', error.message, { errors: error.errors });
  if (error instanceof DomainError) return problem(DOMAIN_STATUS[error.kind], error.kind.replace(/_/g, '-'), error.message, error.details);
  if (error instanceof WrongExpectedVersionError) {
    return problem(409, 'concurrent-modification', 'The resource was changed by another request at the same time; retry.');
  }
  if (error instanceof StoreUnavailableError) return problem(503, 'store-unavailable', error.message);
  if (error instanceof BrokenChainError) {
    return problem(
      503,
      'stream-integrity',
      `This resource cannot take writes now: its audit hash chain is broken at revision ${error.revision}. Nothing was written; the operators have been alerted.`,
      {
        broken_at_revision: Number(error.revision),
      },
    );
  }
  if (error instanceof CorruptEventError) {
    // Not the caller's fault and not a crash: the record needs an operator (docs/audit.md "Corrupt or unreadable events"). Nothing was written.
    const { stream, revision, eventId, position } = error.at;
    return problem(
      503,
      'corrupt-event',
      `A stored event this request needs cannot be read; nothing was changed. An operator must repair it (run npm run audit:verify). ${error.message}`,
      {
        stream,
        revision: String(revision),
        event_id: eventId,
        position: String(position.commit),
      },
    );
  }
  if (error instanceof AppendTooLargeError) {
    return problem(
      413,
      'too-large-for-store',
      `What this request would store is larger than the event store takes in one write (${error.maxAppendSize} bytes); nothing was stored. Send less.`,
      {
        max_append_bytes: error.maxAppendSize,
      },
    );
  }
  if (error instanceof StreamDeletedError) {
    return problem(
      410,
      'stream-deleted',
      `This resource's history was ${error.how} in the event store by an operator; the service cannot change it any more.`,
    );
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    // Fastify's JSON parser refuses a `__proto__` key with the same error as a syntax error (and Nest hands it
    // on as a bare HttpException with that message): the detail names both causes.
    if (status === 400 && error.message === INVALID_JSON_BODY) return problem(status, slugOf(status), JSON_BODY_REFUSED);
    return problem(status, slugOf(status), error.message);
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && STORAGE_UNAVAILABLE.test(code)) {
    return problem(503, 'storage-unavailable', `Storage cannot take writes right now (${code}); nothing was changed. Retry later.`);
  }
  // Fastify's own errors (body too large, bad JSON, unsupported media type) carry a 4xx statusCode.
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return problem(statusCode, slugOf(statusCode), (error as Error).message);
  }
  return problem(500, 'internal', 'An unexpected error occurred; it has been logged.');
}

function slugOf(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Seconds a client should wait before retrying a 503 (the store failing over, restarting or out of disk). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export function sendProblem(reply: FastifyReply, problem: ProblemDetails): void {
  if (problem.status === 503 && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

// Fastify's own messages repeat the whole path, which can be kilobytes long; these say what is wrong.
const FRAMEWORK_DETAIL: Record<string, string> = {
  FST_ERR_BAD_URL: 'The path is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than any id this API has (100 characters)',
};

/**
 * Fastify's `frameworkErrors`: requests it refuses before any route or Nest code runs (an undecodable path,
 * an overlong path parameter) are answered as problem details too.
 */
export function sendFrameworkProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error, shortened(request.url));
  sendProblem(reply, { ...problem, detail: FRAMEWORK_DETAIL[error.code] ?? problem.detail });
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request (headers over
 * the size limit, a malformed request, a client too slow to send one) is a problem document too, written
 * raw on the socket, which is then closed.
 */
export function writeClientErrorProblem(error: Error & { code?: string }, socket: Socket, headers: Record<string, string> = {}): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than this server accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time']
        : [400, 'The request is not valid HTTP/1.1'];
  const body = JSON.stringify(toProblem(Object.assign(new Error(detail), { statusCode: status })));
  const head = {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...headers,
  };
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(head)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n${body}`,
    );
  socket.destroy(error);
}

const shortened = (url: string) => (url.length > 512 ? `${url.slice(0, 512)}…` : url);

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  /** `onProblem` sees every problem sent (bootstrap counts some of them in /metrics). */
  constructor(private readonly onProblem: (problem: ProblemDetails) => void = () => undefined) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(error, shortened(request.url));
    if (problem.status >= HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error(`${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`);
    }
    this.onProblem(problem);
    sendProblem(http.getResponse<FastifyReply>(), problem);
  }
}
