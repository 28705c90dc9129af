import { ticketStream } from '../tickets';

/** A kind of stream that belongs to a ticket. */
export interface TicketStreamKind {
  /** The streams of this kind tied to one ticket (a missing stream reads as empty, so listing one is free). */
  readonly of: (ticketId: string) => string[];
  /** Whether a stream is of this kind: the change feed carries the events of these streams only. */
  readonly owns: (streamName: string) => boolean;
}

const byPrefix = (prefix: string): TicketStreamKind => ({
  of: (ticketId) => [`${prefix}${ticketId}`],
  owns: (streamName) => streamName.startsWith(prefix),
});

/**
 * THE list of streams an auditor sees for a ticket and a downstream service gets in the change feed.
 * A feature whose events belong to tickets adds its kind here, e.g. form submissions once they are tied
 * to a ticket (a kind whose names are not derived from the ticket id would look them up in `of`).
 */
export const TICKET_STREAM_KINDS: readonly TicketStreamKind[] = [
  byPrefix(ticketStream('')),
  // Issue 5: one video room per ticket.
  byPrefix('video-room-'),
  // Issue 16: a ticket's SLA timeline (`sla-<ticket _id>`); `sla-config-<company>` is no ticket's.
  { of: (ticketId) => [`sla-${ticketId}`], owns: (streamName) => streamName.startsWith('sla-') && !streamName.startsWith('sla-config-') },
];

export const streamsOfTicket = (ticketId: string): string[] => TICKET_STREAM_KINDS.flatMap((kind) => kind.of(ticketId));

export const isTicketStream = (streamName: string): boolean => TICKET_STREAM_KINDS.some((kind) => kind.owns(streamName));
