import { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Caller, actorOf } from '../auth/caller';
import { EventMetadata } from '../event-store/event-store.port';
import { CreatedOn } from '../lead/tickets/ticket.events';

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
}

export function commandContext(request: FastifyRequest, caller: Caller): CommandContext {
  const commandId = randomUUID();
  const createdOn = createdOnOf(request);
  const correlation = header(request, 'x-correlation-id') ?? header(request, 'x-request-id');
  const now = new Date().toISOString();
  return {
    commandId,
    createdOn,
    now,
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
