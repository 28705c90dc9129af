import { FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { Caller, actorOf } from '../auth/caller';
import { EventMetadata } from '../event-store/event-store.port';
import { newObjectId } from '../command/object-id';

/** Where a request came from, as events record it (`created_on` on the wire). */
export interface CreatedOn {
  readonly user_agent: string;
  readonly platform?: string;
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What every event written for a request records about it: who (actor, tenant), which conversation
 * (correlation id, from x-correlation-id or x-request-id when the caller sent a sane one), which command
 * caused it, and from where (user agent, platform, address).
 */
export interface CommandContext {
  readonly commandId: string;
  readonly metadata: EventMetadata;
  readonly createdOn: CreatedOn;
  readonly now: string;
  /** Set when the command id derives from an Idempotency-Key: new ids derive from it too (`newIdFor`). */
  readonly keyed?: boolean;
}

// Command ids the idempotency interceptor derived from a request's key (see `useKeyedCommandId`).
const keyedCommandIds = new WeakMap<FastifyRequest, string>();

/**
 * Makes the command of this request reproducible: the same key and request give the same command id and the
 * same new ids, so a retry after a crash finds what the first attempt wrote (handleCommand) instead of
 * writing it again.
 */
export function useKeyedCommandId(request: FastifyRequest, commandId: string): void {
  keyedCommandIds.set(request, commandId);
}

/** A new ObjectId-shaped id, or for a keyed command one derived from its command id and `purpose`. */
export function newIdFor(context: CommandContext, purpose: string): string {
  if (!context.keyed) return newObjectId();
  return createHash('sha256').update(`${context.commandId}\n${purpose}`).digest('hex').slice(0, 24);
}

export function commandContext(request: FastifyRequest, caller: Caller): CommandContext {
  const keyed = keyedCommandIds.get(request);
  const commandId = keyed ?? randomUUID();
  const createdOn = createdOnOf(request);
  const correlation = header(request, 'x-correlation-id') ?? header(request, 'x-request-id');
  const now = new Date().toISOString();
  return {
    commandId,
    createdOn,
    now,
    ...(keyed ? { keyed: true } : {}),
    metadata: {
      occurredAt: now,
      correlationId: correlation && ID.test(correlation) ? correlation : String(request.id),
      causationId: commandId,
      actor: actorOf(caller),
      tenant: { companyId: caller.companyId, applicationId: caller.applicationId },
      source: { ...createdOn, ip: request.ip },
    },
  };
}

export function createdOnOf(request: FastifyRequest): CreatedOn {
  return {
    user_agent: (header(request, 'user-agent') ?? '').slice(0, 512),
    platform: (header(request, 'x-platform') ?? 'web').slice(0, 32),
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
