import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { formatPosition } from './positions';
import { Finding, StreamAudit } from './stream-audit';

/** One event as an auditor reads it: what happened, when, who did it, for whom, why, from where. */
export interface AuditEventView {
  stream: string;
  revision: number;
  position: string;
  id: string;
  type: string;
  occurred_at: string | null;
  recorded_at: string;
  actor: { type: string; id: string; client_id?: string } | null;
  tenant: { company_id: string; application_id?: string } | null;
  correlation_id: string | null;
  causation_id: string | null;
  source: Record<string, unknown> | null;
  data: Record<string, unknown>;
  hash: string | null;
}

type Meta = {
  occurredAt?: string;
  actor?: { type: string; id: string; clientId?: string };
  tenant?: { companyId: string; applicationId?: string };
  correlationId?: string;
  causationId?: string;
  source?: Record<string, unknown>;
  hash?: string;
};

export function auditEventView(event: RecordedEvent): AuditEventView {
  const m = event.metadata as Meta;
  return {
    stream: event.streamName,
    revision: Number(event.revision),
    position: formatPosition(event.position),
    id: event.id,
    type: event.type,
    occurred_at: m.occurredAt ?? null,
    recorded_at: event.created.toISOString(),
    actor: m.actor ? { type: m.actor.type, id: m.actor.id, ...(m.actor.clientId ? { client_id: m.actor.clientId } : {}) } : null,
    tenant: m.tenant
      ? { company_id: m.tenant.companyId, ...(m.tenant.applicationId ? { application_id: m.tenant.applicationId } : {}) }
      : null,
    correlation_id: m.correlationId ?? null,
    causation_id: m.causationId ?? null,
    source: m.source ?? null,
    data: event.data,
    hash: m.hash ?? null,
  };
}

export const findingView = (f: Finding) => ({
  check: f.check,
  ...(f.stream !== undefined ? { stream: f.stream } : {}),
  ...(f.revision !== undefined ? { revision: Number(f.revision) } : {}),
  ...(f.eventId !== undefined ? { event_id: f.eventId } : {}),
  ...(f.position !== undefined ? { position: f.position } : {}),
  reason: f.reason,
});

export const streamAuditView = (s: StreamAudit) => ({
  stream: s.stream,
  events: s.events,
  valid: s.valid,
  broken_at: s.broken ? findingView(s.broken) : null,
  findings: s.findings.map(findingView),
  anchored_through_revision: s.anchoredThrough === undefined ? null : Number(s.anchoredThrough),
  pending_anchor: s.pendingAnchor,
  incomplete_metadata: s.incomplete.map((i) => ({ revision: Number(i.revision), event_id: i.eventId, missing: i.missing })),
});
