import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, UnprocessableEntityException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { Observable, of, tap, throwError } from 'rxjs';
import { configure } from 'safe-stable-stringify';
import { v5 as uuidv5 } from 'uuid';
import { Caller } from '../../auth/caller';
import { DomainError } from '../../command/domain-error';
import { useKeyedCommandId } from '../request-context';
import { IdempotencyStore } from './idempotency.store';

const KEY = /^[\x21-\x7e]{1,255}$/;
const canonical = configure({ deterministic: true });
// Namespace of command ids derived from keys; changing it would let a retry after a crash write twice.
const COMMAND_NAMESPACE = 'b3c1f0a4-5d2e-4c8b-9a7f-2e6d8c4b1a90';

/**
 * `Idempotency-Key` on a POST route (IETF draft-ietf-httpapi-idempotency-key-header): the first request with a
 * key runs; a retry with the same key and the same request gets the first answer again (same status and body,
 * plus `idempotent-replayed: true`); the same key with another body or user is 422; a retry while the first
 * still runs is 409 with `retry-after`. Keys are scoped by caller (application, or staff client) and route.
 * Only 2xx answers are kept; any error frees the key, so the client can retry at once. That is safe even when
 * the write happened (a 503 after the append, a crash): the command of a keyed request gets an id derived
 * from scope, key and request, so running it again finds its own events and writes nothing twice (see
 * `useKeyedCommandId`). Use: `@Idempotent()` on the route.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly keys: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    // The draft sends the key as a structured-field string ("..."); a bare token is accepted too.
    const key = typeof header === 'string' ? header.replace(/^"(.*)"$/, '$1') : '';
    if (!KEY.test(key)) {
      const message = 'Idempotency-Key must be 1-255 visible ASCII characters';
      return throwError(() => new DomainError('invalid', message, { errors: [{ field: 'Idempotency-Key', message }] }));
    }
    const scope = scopeOf(request);
    const fingerprint = createHash('sha256')
      .update(canonical({ body: request.body ?? null, user: request.caller?.userId ?? null }) ?? '')
      .digest('hex');
    const claim = this.keys.claim(scope, key, fingerprint);
    switch (claim.kind) {
      case 'replay':
        void reply.header('idempotent-replayed', 'true');
        return of(claim.body);
      case 'mismatch':
        return throwError(
          () => new UnprocessableEntityException('This Idempotency-Key was used with a different request; use a new key for a new request'),
        );
      case 'in_progress':
        void reply.header('retry-after', '1');
        return throwError(() => new DomainError('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly'));
      case 'execute':
        useKeyedCommandId(request, uuidv5(`${scope}\n${key}\n${fingerprint}`, COMMAND_NAMESPACE));
        return next.handle().pipe(
          tap({
            next: (body) => this.remember(scope, key, reply.statusCode, body),
            error: () => this.forget(scope, key),
          }),
        );
    }
  }

  /** The write is done: a disk that cannot store the answer must not turn it into an error (retries replay from the log). */
  private remember(scope: string, key: string, status: number, body: unknown): void {
    try {
      this.keys.complete(scope, key, status, body);
    } catch (error) {
      this.logger.warn(`could not store the answer of idempotency key ${key}: ${String(error)}`);
      this.forget(scope, key);
    }
  }

  private forget(scope: string, key: string): void {
    try {
      this.keys.release(scope, key);
    } catch (error) {
      // The key stays held until the next start or its lease; its retry is still safe.
      this.logger.warn(`could not free idempotency key ${key}: ${String(error)}`);
    }
  }
}

/**
 * A ticket access key is part of who is asking: a caller without it must not be answered (replayed) what the
 * key holder wrote; it reaches the route and gets its 404. Only the key's hash goes into the stored scope.
 */
function accessOf(caller: Caller): string {
  return caller.kind === 'storefront' && caller.ticketAccessKey
    ? `:key:${createHash('sha256').update(caller.ticketAccessKey).digest('hex')}`
    : '';
}

function scopeOf(request: FastifyRequest & { caller?: Caller }): string {
  const caller = request.caller;
  const who = !caller
    ? 'anonymous'
    : caller.kind === 'staff'
      ? `staff:${caller.companyId}:${caller.clientId}`
      : `app:${caller.applicationId}${accessOf(caller)}`;
  const path = request.url.split('?')[0].replace(/\/+$/, '');
  return `${who} ${request.method} ${path}`;
}
