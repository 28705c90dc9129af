import { Inject, Injectable } from '@nestjs/common';
import { SQLITE_DB } from '../../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../../platform/sqlite/sqlite-database';
import { StatementCache } from '../../../platform/sqlite/statement-cache';
import { PRIORITIES, PriorityKey, STATUSES, StatusKey } from '../ticket-catalogue';
import { FeedbackSubmitted } from '../ticket.events';
import { Page, TicketFeedbackDoc, TicketFilters, numberPage } from './desk.views';
import { ftsQuery } from './search-query';

/** Staff see a company's tickets, or one application's on application-level routes. */
export interface StaffScope {
  readonly companyId: string;
  readonly applicationId?: string;
}

export interface TicketListQuery {
  readonly status?: StatusKey;
  readonly priority?: PriorityKey;
  readonly category?: string;
  readonly q?: string;
  /** Only tickets numbered below this one: the anchor that keeps pages stable while tickets arrive. */
  readonly before?: number;
  /** SLA (read from modules/sla's `rm_sla`): only tickets whose SLA is in this state. */
  readonly slaState?: string;
  /** `sla_due`: next SLA due time first, tickets without one after, then newest first. */
  readonly sort?: 'number' | 'sla_due';
  readonly pageNo: number;
  readonly pageSize: number;
}

/**
 * Staff reads over the tickets model (TicketProjection) and the desk's search index and feedback
 * (DeskProjection). Lists are ordered by ticket number, newest first: numbers are unique per company and
 * never change, so the order is total and `before=<number>` pages without duplicates or gaps.
 */
@Injectable()
export class DeskQueries {
  private readonly statements: StatementCache;

  constructor(@Inject(SQLITE_DB) db: SqliteDatabase) {
    this.statements = new StatementCache(db);
  }

  /** A page of tickets: each item's `json` is the stored document's text, sent as it is (no parse, no re-serialising). */
  listTickets(scope: StaffScope, query: TicketListQuery): { items: { id: string; json: string }[]; page: Page } {
    const where = ['company_id = @company'];
    const params: Record<string, unknown> = { company: scope.companyId };
    const add = (sql: string, name: string, value: unknown) => value !== undefined && (where.push(sql), (params[name] = value));
    add('application_id = @application', 'application', scope.applicationId);
    add('status = @status', 'status', query.status);
    add('priority = @priority', 'priority', query.priority);
    add('category = @category', 'category', query.category);
    if (query.q !== undefined && query.q.trim() !== '') {
      const match = ftsQuery(query.q);
      if (match === undefined) where.push('0');
      else add(SEARCH, 'q', match);
    }
    // SLA filter and order: a small join on the SLA module's read model (`rm_sla`, SlaProjection).
    add('id IN (SELECT ticket_id FROM rm_sla WHERE sla_state = @sla_state)', 'sla_state', query.slaState);
    const order = query.sort === 'sla_due' ? `${SLA_DUE} IS NULL, ${SLA_DUE}, number DESC` : 'number DESC';
    const anchored = [...where];
    if (query.before !== undefined) (anchored.push('number < @before'), (params.before = query.before));
    const filter = anchored.join(' AND ');
    const offset = (query.pageNo - 1) * query.pageSize;
    const rows = this.stmt(`SELECT id, doc, number FROM rm_tickets WHERE ${filter} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({
      ...params,
      limit: query.pageSize,
      offset,
    }) as { id: string; doc: string; number: number }[];
    const total = this.total(where, params, query);
    const items = rows.map((r) => ({ id: r.id, json: r.doc }));
    const newer =
      query.before !== undefined &&
      this.stmt(`SELECT 1 FROM rm_tickets WHERE ${where.join(' AND ')} AND number >= @before LIMIT 1`).get(params) !== undefined;
    const page = numberPage(query.pageNo, query.pageSize, total, items.length, { has_previous: query.pageNo > 1 || newer });
    // `before` anchors pages by number: it means nothing in another order.
    if (page.has_next && rows.length && query.sort !== 'sla_due') page.next_id = String(rows[rows.length - 1].number);
    return { items, page };
  }

  /**
   * The list's total. Filters on the status, priority, category and application columns are summed from the
   * projection's counter rows (rm_ticket_counts: one per combination, a handful per company) instead of
   * counting the company's tickets on every request; a search or a `before` anchor still counts.
   */
  private total(where: string[], params: Record<string, unknown>, query: TicketListQuery): number {
    // The SLA filter joins another model: counted, like a search.
    if (query.before === undefined && params.q === undefined && query.slaState === undefined && !where.includes('0')) {
      // Every filter here names a column the counter rows have, by the same name.
      return (this.stmt(`SELECT coalesce(sum(n), 0) AS n FROM rm_ticket_counts WHERE ${where.join(' AND ')}`).get(params) as { n: number })
        .n;
    }
    const filter = query.before === undefined ? where.join(' AND ') : `${where.join(' AND ')} AND number < @before`;
    return (this.stmt(`SELECT count(*) AS n FROM rm_tickets WHERE ${filter}`).get(params) as { n: number }).n;
  }

  /** The filter aggregates, from the counter rows (see `total`). */
  filters(scope: StaffScope): TicketFilters {
    const app = scope.applicationId === undefined ? '' : ' AND application_id = @application';
    const params = { company: scope.companyId, application: scope.applicationId ?? null };
    const assignees = this.stmt(
      `SELECT DISTINCT assigned_to FROM rm_ticket_counts WHERE company_id = @company${app} AND assigned_to <> '' AND n > 0 ORDER BY assigned_to`,
    ).all(params) as { assigned_to: string }[];
    // Forms name their categories (display = form title): show the display a ticket of that category carries.
    const categories = this.stmt(
      `SELECT c.category AS key, (SELECT json_extract(t.doc, '$.category.display') FROM rm_tickets t
         WHERE t.company_id = @company AND t.category = c.category LIMIT 1) AS display
       FROM (SELECT DISTINCT category FROM rm_ticket_counts WHERE company_id = @company${app} AND n > 0) c ORDER BY c.category`,
    ).all(params) as { key: string; display: string }[];
    return {
      statuses: Object.values(STATUSES),
      priorities: Object.values(PRIORITIES),
      assignees: assignees.map((a) => ({ agent_id: a.assigned_to })),
      categories,
    };
  }

  listFeedback(ticketId: string): TicketFeedbackDoc[] {
    const rows = this.stmt(
      `SELECT f.doc, t.number FROM rm_ticket_feedback f JOIN rm_tickets t ON t.id = f.ticket_id WHERE f.ticket_id = ? ORDER BY f.position`,
    ).all(ticketId) as { doc: string; number: number }[];
    return rows.map((r) => feedbackDoc(JSON.parse(r.doc) as FeedbackSubmitted['data'], String(r.number)));
  }

  findFeedback(id: string): TicketFeedbackDoc | undefined {
    const row = this.stmt('SELECT f.doc, t.number FROM rm_ticket_feedback f JOIN rm_tickets t ON t.id = f.ticket_id WHERE f.id = ?').get(
      id,
    ) as { doc: string; number: number } | undefined;
    return row && feedbackDoc(JSON.parse(row.doc) as FeedbackSubmitted['data'], String(row.number));
  }

  // Lists build their SQL from the filters given; each shape is prepared once.
  private stmt(sql: string) {
    return this.statements.get<unknown[], unknown>(sql);
  }
}

const SLA_DUE = '(SELECT next_due_at FROM rm_sla WHERE ticket_id = rm_tickets.id)';

const SEARCH = `id IN (SELECT r.ticket_id FROM rm_ticket_search s JOIN rm_ticket_search_rows r ON r.search_rowid = s.rowid
  WHERE rm_ticket_search MATCH @q)`;

/** A feedback as the API returns it (the desk model's rows; SubmitFeedback answers with it). */
export function feedbackDoc(d: FeedbackSubmitted['data'], ticketNumber: string): TicketFeedbackDoc {
  return {
    _id: d.id,
    ticket_id: ticketNumber,
    company_id: d.company_id,
    response: d.response,
    category: d.category,
    user: d.user,
    created_at: d.created_at,
    updated_at: d.created_at,
    createdAt: d.created_at,
    updatedAt: d.created_at,
  };
}
