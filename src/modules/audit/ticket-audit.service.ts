import { Inject, Injectable } from '@nestjs/common';
import { CorruptEventError, EVENT_STORE, EventStore, RecordedEvent, comparePositions } from '../../platform/event-store/event-store.port';
import { TicketQueries, TicketScope, ticketStream } from '../tickets';
import { AnchorLedger } from './anchor-ledger';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { KeyedFrom } from './keyed-from';
import { AuditEventView, auditEventView, findingView, streamAuditView } from './audit.views';
import { StreamAudit, auditStream, unreadableStream } from './stream-audit';
import { streamsOfTicket } from './ticket-streams';

export interface TicketTimeline {
  ticket: { _id: string; ticket_id: string };
  verification: {
    valid: boolean;
    checked_at: string;
    broken_at: ReturnType<typeof findingView> | null;
    streams: ReturnType<typeof streamAuditView>[];
  };
  items: AuditEventView[];
}

/** A ticket's full event timeline, read from the store (the record itself, not a read model), verified. */
@Injectable()
export class TicketAuditService {
  private readonly keyedFrom: KeyedFrom;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: AnchorLedger,
    private readonly queries: TicketQueries,
    private readonly chain: ChainKey,
  ) {
    this.keyedFrom = new KeyedFrom(store);
  }

  async timeline(ticketId: string, scope: TicketScope): Promise<TicketTimeline> {
    // Tenancy on the read model, as everywhere: a ticket outside the caller's scope does not exist for them.
    const ticket = this.queries.visibleTicket(ticketId, scope);
    const audits: StreamAudit[] = [];
    const events: RecordedEvent[] = [];
    const chainCheck = { key: this.chain.key, keyedFrom: await this.keyedFrom.position() };
    for (const stream of streamsOfTicket(ticketId)) {
      // Anchors first: every anchored event is already stored, so the read below holds all of them, even
      // if the anchorer runs in between (the other order could see an anchor for an event not yet read).
      const anchors = this.ledger.forStream(stream);
      let own: RecordedEvent[];
      try {
        own = await this.store.readStream(stream);
      } catch (error) {
        if (!(error instanceof CorruptEventError)) throw error;
        audits.push(unreadableStream(stream, error));
        continue;
      }
      const isTicket = stream === ticketStream(ticketId);
      // A related stream the ticket never used is left out; one emptied after anchoring is not.
      if (!isTicket && own.length === 0 && anchors.length === 0) continue;
      audits.push(auditStream(stream, own, anchors, isTicket ? BigInt(ticket.revision) : undefined, chainCheck));
      events.push(...own);
    }
    events.sort((a, b) => comparePositions(a.position, b.position));
    const broken = audits.find((a) => a.broken)?.broken;
    return {
      ticket: { _id: ticket.doc._id, ticket_id: ticket.doc.ticket_id },
      verification: {
        valid: audits.every((a) => a.valid),
        checked_at: new Date().toISOString(),
        broken_at: broken ? findingView(broken) : null,
        streams: audits.map(streamAuditView),
      },
      items: events.map(auditEventView),
    };
  }
}
