import { Actor, EventMetadata } from './event-store.port';

const ACTOR_TYPES: readonly Actor['type'][] = ['storefront_user', 'application', 'staff_client', 'staff_user', 'system'];

/**
 * The audit fields every event must carry (see common/request-context.ts and common/system-context.ts).
 * Returns the names of those missing or malformed; an empty list means the event says who, for which
 * tenant, in which conversation, because of what, from where and when.
 */
export function auditGaps(metadata: EventMetadata): string[] {
  const m = metadata as Record<string, unknown>;
  const actor = m.actor as Partial<Actor> | undefined;
  const tenant = m.tenant as { companyId?: unknown } | undefined;
  const gaps: string[] = [];
  if (!isText(m.occurredAt) || Number.isNaN(Date.parse(m.occurredAt))) gaps.push('occurredAt');
  if (!isText(m.correlationId)) gaps.push('correlationId');
  if (!isText(m.causationId)) gaps.push('causationId');
  if (!actor || !ACTOR_TYPES.includes(actor.type as Actor['type']) || !isText(actor.id)) gaps.push('actor');
  if (!tenant || !isText(tenant.companyId)) gaps.push('tenant');
  if (!m.source || typeof m.source !== 'object') gaps.push('source');
  if (!isText(m.hash)) gaps.push('hash');
  return gaps;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
