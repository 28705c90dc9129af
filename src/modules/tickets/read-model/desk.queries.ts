import { LruMap } from 'toad-cache';
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

export type TicketSort = 'number' | 'oldest' | 'updated' | 'priority' | 'sla_due';

export interface TicketListQuery {
  readonly status?: StatusKey;
  readonly priority?: PriorityKey;
  readonly category?: string;
  readonly q?: string;
  /** Only tickets numbered below this one: the anchor that keeps pages stable while tickets arrive. */
  readonly before?: number;
  /** SLA (read from modules/sla's `rm_sla`): only tickets whose SLA is in this state. */
  readonly slaState?: string;
  /** An agent id, or `none` for tickets without one. */
  readonly assignedTo?: string;
  /** An agent group's id, or `none` for tickets in no group. */
  readonly group?: string;
  /** Tickets carrying these tags: every one of them (`all`, the default) or at least one (`any`). */
  readonly tags?: readonly string[];
  readonly tagsMatch?: 'all' | 'any';
  /** ISO 8601 instants (UTC, as stored): created / last edited strictly after. */
  readonly createdAfter?: string;
  readonly updatedAfter?: string;
  /**
   * `number` (default): newest first; `oldest`: oldest first; `updated`: last edited first; `priority`: urgent
   * to low, then newest; `sla_due`: next SLA due time first, tickets without one after, then newest first.
   */
  readonly sort?: TicketSort;
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
  private readonly categoryDisplays = new LruMap<string>(CATEGORY_DISPLAYS);

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
    if (query.assignedTo === NONE) where.push('assigned_to IS NULL');
    else add('assigned_to = @assigned_to', 'assigned_to', query.assignedTo);
    if (query.group === NONE) where.push('group_id IS NULL');
    else add('group_id = @group_id', 'group_id', query.group);
    add('created_at > @created_after', 'created_after', query.createdAfter);
    add('updated_at > @updated_after', 'updated_after', query.updatedAfter);
    if (query.tags?.length) {
      // Tags are read from the stored document (json_each): no extra table to keep, and a tags filter is
      // counted, not summed from the counter rows (see `total`).
      const names = query.tags.map((tag, i) => ((params[`tag${i}`] = tag), `@tag${i}`));
      const matching = `SELECT count(DISTINCT value) FROM json_each(rm_tickets.doc, '$.tags') WHERE value IN (${names.join(', ')})`;
      where.push(query.tagsMatch === 'any' ? `(${matching}) > 0` : `(${matching}) = ${new Set(query.tags).size}`);
    }
    if (query.q !== undefined && query.q.trim() !== '') {
      const match = ftsQuery(query.q);
      if (match === undefined) where.push('0');
      else add(SEARCH, 'q', match);
    }
    // SLA filter and order: a small join on the SLA module's read model (`rm_sla`, SlaProjection).
    add('id IN (SELECT ticket_id FROM rm_sla WHERE sla_state = @sla_state)', 'sla_state', query.slaState);
    const order = ORDERS[query.sort ?? 'number'];
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
    // `before` anchors pages by number, newest first: it means nothing in another order.
    if (page.has_next && rows.length && (query.sort ?? 'number') === 'number') page.next_id = String(rows[rows.length - 1].number);
    return { items, page };
  }

  /**
   * The list's total. Filters on the status, priority, category, assignee and application columns are summed
   * from the projection's counter rows (rm_ticket_counts: one per combination, a handful per company) instead
   * of counting the company's tickets on every request; a search, a `before` anchor, the SLA state, a group,
   * tags and the created/updated bounds are counted over the tickets (they are not counter columns: a row per
   * tag set or per instant would multiply the counter rows).
   */
  private total(where: string[], params: Record<string, unknown>, query: TicketListQuery): number {
    const counted =
      query.before !== undefined ||
      params.q !== undefined ||
      query.slaState !== undefined ||
      query.group !== undefined ||
      query.tags?.length ||
      query.createdAfter !== undefined ||
      query.updatedAfter !== undefined ||
      where.includes('0');
    if (!counted) {
      // Every filter left names a column the counter rows have, by the same name; there, "no agent" is ''.
      const counterWhere = where.map((w) => (w === 'assigned_to IS NULL' ? "assigned_to = ''" : w));
      return (
        this.stmt(`SELECT coalesce(sum(n), 0) AS n FROM rm_ticket_counts WHERE ${counterWhere.join(' AND ')}`).get(params) as { n: number }
      ).n;
    }
    const filter = query.before === undefined ? where.join(' AND ') : `${where.join(' AND ')} AND number < @before`;
    return (this.stmt(`SELECT count(*) AS n FROM rm_tickets WHERE ${filter}`).get(params) as { n: number }).n;
  }

  /** The filter aggregates, from the counter rows (see `total`); `groups` are the company's agent groups. */
  filters(scope: StaffScope, groups: TicketFilters['groups']): TicketFilters {
    const app = scope.applicationId === undefined ? '' : ' AND application_id = @application';
    const params = { company: scope.companyId, application: scope.applicationId ?? null };
    const assignees = this.stmt(
      `SELECT DISTINCT assigned_to FROM rm_ticket_counts WHERE company_id = @company${app} AND assigned_to <> '' AND n > 0 ORDER BY assigned_to`,
    ).all(params) as { assigned_to: string }[];
    const categories = (
      this.stmt(`SELECT DISTINCT category FROM rm_ticket_counts WHERE company_id = @company${app} AND n > 0 ORDER BY category`).all(
        params,
      ) as { category: string }[]
    ).map(({ category }) => ({ key: category, display: this.categoryDisplay(scope.companyId, category) }));
    return {
      statuses: Object.values(STATUSES),
      priorities: Object.values(PRIORITIES),
      assignees: assignees.map((a) => ({ agent_id: a.assigned_to })),
      categories,
      groups,
    };
  }

  /**
   * Forms name their categories (display = form title): a category shows the display its first ticket (in the
   * table's order) carries. Looked up once per company and category (a JSON read of a ticket document) instead
   * of on every list, then remembered (bounded, least recently used out). The first ticket of a category stays
   * its first unless it is re-categorised; only then, and only if later tickets carry another form title, does
   * the remembered display differ from a fresh look-up, until the next start.
   */
  private categoryDisplay(companyId: string, category: string): string {
    const key = `${companyId}\n${category}`;
    const known = this.categoryDisplays.get(key);
    if (known !== undefined) return known;
    const row = this.stmt(
      `SELECT json_extract(doc, '$.category.display') AS display FROM rm_tickets WHERE company_id = @company AND category = @category LIMIT 1`,
    ).get({ company: companyId, category }) as { display: string | null } | undefined;
    const display = row?.display;
    if (typeof display === 'string') this.categoryDisplays.set(key, display);
    return display as string;
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

/** Category display names remembered (companies × categories in use). */
const CATEGORY_DISPLAYS = 10_000;

const SLA_DUE = '(SELECT next_due_at FROM rm_sla WHERE ticket_id = rm_tickets.id)';

/** `assigned_to=none`, `group=none`: tickets without one. */
export const NONE = 'none';

const ORDERS: Record<TicketSort, string> = {
  number: 'number DESC',
  oldest: 'number ASC',
  updated: 'updated_at DESC, number DESC',
  priority: "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, number DESC",
  sla_due: `${SLA_DUE} IS NULL, ${SLA_DUE}, number DESC`,
};

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
