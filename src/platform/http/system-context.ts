import { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RecordedEvent } from '../event-store/event-store.port';
import { CommandContext, createdOnOf } from './request-context';

export interface SystemContextOptions {
  /** Whose data the work touches: every event names its tenant. */
  readonly tenant: { readonly companyId: string; readonly applicationId?: string };
  /**
   * The event this work reacts to: its correlation id carries over, its id becomes the causation id, and its
   * trace context (`traceparent`, `tracestate`) becomes the parent of the command's span (handleCommand).
   */
  readonly causedBy?: Pick<RecordedEvent, 'id' | 'metadata'>;
  /** An inbound call that triggered the work (a webhook): recorded as the source, with its address. */
  readonly request?: FastifyRequest;
  /** E.g. a webhook's own delivery id, so a redelivery correlates with the first attempt. */
  readonly correlationId?: string;
  /** Defaults to one derived from `causedBy`, so reacting twice to one event writes nothing twice. */
  readonly commandId?: string;
}

/**
 * The event metadata for work no request asked for (background jobs, timers, webhooks, reactions to other
 * events): actor `system` named after the process, the same audit fields a request records, and a source
 * that says which host and process wrote it.
 */
export function systemContext(processName: string, options: SystemContextOptions): CommandContext {
  const { causedBy, request } = options;
  const commandId = options.commandId ?? (causedBy ? `${processName}:${causedBy.id}` : randomUUID());
  const inherited = typeof causedBy?.metadata.correlationId === 'string' ? causedBy.metadata.correlationId : causedBy?.id;
  const trace = Object.fromEntries(
    ['traceparent', 'tracestate'].filter((k) => typeof causedBy?.metadata[k] === 'string').map((k) => [k, causedBy!.metadata[k]]),
  );
  const createdOn = request ? createdOnOf(request) : { user_agent: `lead-service/${processName}`, platform: 'system' };
  const now = new Date().toISOString();
  return {
    commandId,
    createdOn,
    now,
    metadata: {
      occurredAt: now,
      correlationId: options.correlationId ?? inherited ?? commandId,
      causationId: causedBy?.id ?? commandId,
      actor: { type: 'system', id: processName },
      tenant: options.tenant.applicationId ? { ...options.tenant } : { companyId: options.tenant.companyId },
      source: { ...createdOn, host: hostname(), pid: process.pid, ...(request ? { ip: request.ip } : {}) },
      ...trace,
    },
  };
}
