import { Injectable } from '@nestjs/common';
import { TicketHistoryDoc } from '../read-model/ticket.views';

/** An entry another module adds to a ticket's staff history; the ticket's number and the timestamp copies are filled in here. */
export type ExtraHistoryEntry = Pick<TicketHistoryDoc, '_id' | 'type' | 'value' | 'created_by' | 'created_on' | 'created_at'>;

/** One module's entries of a ticket, from its own read model. */
export interface HistoryEntrySource {
  /** How many entries the ticket has there. */
  count(ticketId: string): number;
  /** The ticket's first `n` entries, oldest first (by `created_at`, ties in a fixed order). */
  first(ticketId: string, n: number): ExtraHistoryEntry[];
}

/** The ticket's own entries (comments, diffs), as the tickets read model keeps them. */
export interface OwnHistory {
  readonly total: number;
  first(n: number): TicketHistoryDoc[];
}

/**
 * Entries that other modules add to the staff history of a ticket (the SLA's `log` entries of modules/sla),
 * without this module knowing them or following their streams: a module registers a source over its own
 * read model, and a page of history is the merge of the ticket's own entries with every source's, oldest
 * first. Storefront callers never get these entries (the storefront API has no history read).
 */
@Injectable()
export class StaffHistoryEntries {
  private readonly sources = new Map<string, HistoryEntrySource>();

  register(name: string, source: HistoryEntrySource): void {
    this.sources.set(name, source);
  }

  /** One page (`limit` entries from `offset`) of the merged history, and how many entries it has in all. */
  page(
    ticket: { _id: string; ticket_id: string },
    own: OwnHistory,
    limit: number,
    offset: number,
  ): { items: TicketHistoryDoc[]; total: number } {
    if (this.sources.size === 0) return { items: own.first(offset + limit).slice(offset), total: own.total };
    const n = offset + limit;
    const lists = [
      own.first(n),
      ...[...this.sources.values()].map((s) => s.first(ticket._id, n).map((e) => entryDoc(ticket.ticket_id, e))),
    ];
    const total = own.total + [...this.sources.values()].reduce((sum, s) => sum + s.count(ticket._id), 0);
    return { items: mergeByTime(lists).slice(offset, n), total };
  }
}

function entryDoc(ticketNumber: string, e: ExtraHistoryEntry): TicketHistoryDoc {
  return { ...e, ticket_id: ticketNumber, updated_at: e.created_at, createdAt: e.created_at, updatedAt: e.created_at };
}

/**
 * Merges lists that are each in order into one, by `created_at`: each list keeps its own order, and at equal
 * times the earlier list comes first (the ticket's own entry before the entries it caused). The result
 * depends only on the lists, so a rebuilt read model pages the same way.
 */
export function mergeByTime(lists: readonly (readonly TicketHistoryDoc[])[]): TicketHistoryDoc[] {
  const heads = lists.map(() => 0);
  const out: TicketHistoryDoc[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < lists.length; i++) {
      const entry = lists[i][heads[i]];
      if (entry && (pick < 0 || Date.parse(entry.created_at) < Date.parse(lists[pick][heads[pick]].created_at))) pick = i;
    }
    if (pick < 0) return out;
    out.push(lists[pick][heads[pick]++]);
  }
}
