import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, Position, RecordedEvent } from '../../platform/event-store/event-store.port';
import { AuditEventView, auditEventView } from './audit.views';
import { formatPosition } from './positions';
import { isTicketStream } from './ticket-streams';
import { isInternalNote } from '../tickets';

export type FeedItem = Omit<AuditEventView, 'source' | 'hash'>;

export interface FeedPage {
  items: FeedItem[];
  /** Pass back as `after`; null = nothing read yet, call again without `after`. */
  next_cursor: string | null;
  end_of_stream: boolean;
}

const BATCH = 500;
/** Events one page may read past (other companies' events are skipped), so one request stays bounded. */
export const MAX_SCAN = 5000;

/**
 * A company's ticket-related events in global order, page by page. The cursor is a global-log position
 * and each page reads strictly after it (docs/audit.md "Change feed" explains why nothing committed later can
 * appear behind a cursor). A page may stop early at MAX_SCAN with fewer items: the cursor still advances.
 */
@Injectable()
export class ChangeFeed {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async page(companyId: string, after: Position | undefined, limit: number): Promise<FeedPage> {
    const items: FeedItem[] = [];
    let cursor = after;
    let scanned = 0;
    for (;;) {
      const batch = await this.store.readAll({ fromPosition: cursor, maxCount: BATCH });
      for (const event of batch) {
        cursor = event.position;
        scanned++;
        if (!belongsTo(event, companyId)) continue;
        items.push(feedItem(event));
        if (items.length === limit) return { items, next_cursor: formatPosition(cursor), end_of_stream: false };
      }
      // Only an empty page is the end: a store hands out a short page when the next event cannot be read
      // (the read after it then fails with CorruptEventError, a 503 problem): never an end_of_stream past it.
      const done = batch.length === 0;
      if (done || scanned >= MAX_SCAN) return { items, next_cursor: cursor ? formatPosition(cursor) : null, end_of_stream: done };
    }
  }
}

/**
 * Whether an event is in a company's change feed (and so may reach its webhooks): a ticket stream's, of that
 * tenant, and not an internal note (staff only: the feed's public form never carries one; the cursor moves past it).
 */
export function belongsTo(event: RecordedEvent, companyId: string): boolean {
  const tenant = event.metadata.tenant;
  return isTicketStream(event.streamName) && tenant?.companyId === companyId && !isInternalNote(event);
}

/**
 * Fields of event data that only this service may see: a ticket's access-key hash would let anyone who reads
 * it try keys offline. The change feed and webhook deliveries leave them out.
 */
export const INTERNAL_DATA_FIELDS: readonly string[] = ['access_key_sha256'];

/** The public form of an event: what the change feed gives and a webhook delivers. */
export function feedItem(event: RecordedEvent): FeedItem {
  // The source (a caller's address) is personal data a downstream service has no use for.
  const { source: _source, hash: _hash, data, ...item } = auditEventView(event);
  const publicData = Object.fromEntries(Object.entries(data).filter(([key]) => !INTERNAL_DATA_FIELDS.includes(key)));
  return { ...item, data: publicData };
}
