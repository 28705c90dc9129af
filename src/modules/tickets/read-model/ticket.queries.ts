import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../../platform/command/domain-error';
import { SQLITE_DB } from '../../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../../platform/sqlite/sqlite-database';
import { StatementCache } from '../../../platform/sqlite/statement-cache';
import { accessKeyMatches } from '../ticket-access';
import { TicketDoc, TicketHistoryDoc } from './ticket.views';

/** Who is asking: a ticket outside this scope reads as missing (404), never as forbidden. */
export interface TicketScope {
  readonly companyId: string;
  readonly applicationId?: string;
  /**
   * Storefront callers (always set for them, absent for staff): only tickets the caller can prove it opened,
   * as the signed-in user who opened it, or by the ticket's access key. An anonymous caller without the
   * key sees nothing, so the shared application token alone reads no ticket.
   */
  readonly opener?: TicketOpenerProof;
}

export interface TicketOpenerProof {
  /** The proven storefront user (StorefrontIdentity), if any. */
  readonly userId?: string;
  /** `x-ticket-access-key`, if sent. */
  readonly accessKey?: string;
}

interface TicketRow {
  doc: string;
  company_id: string;
  application_id: string | null;
  created_by_user: string | null;
  access_key_sha256: string | null;
  revision: number;
}

/** Reads of the tickets read model (tables owned by TicketProjection). */
@Injectable()
export class TicketQueries {
  private readonly sql: StatementCache;

  constructor(@Inject(SQLITE_DB) db: SqliteDatabase) {
    this.sql = new StatementCache(db);
  }

  findTicket(id: string, scope: TicketScope): { doc: TicketDoc; revision: number } | undefined {
    const found = this.findTicketJson(id, scope);
    return found && { doc: JSON.parse(found.json) as TicketDoc, revision: found.revision };
  }

  /** The stored document's JSON text, as it is sent (GET answers it without parsing it), or undefined. */
  findTicketJson(id: string, scope: TicketScope): { json: string; revision: number } | undefined {
    const row = this.sql
      .get<[string], TicketRow>(
        'SELECT doc, company_id, application_id, created_by_user, access_key_sha256, revision FROM rm_tickets WHERE id = ?',
      )
      .get(id);
    if (!row || !inScope(row, scope)) return undefined;
    return { json: row.doc, revision: row.revision };
  }

  /** `findTicketJson`, or a 404 as `visibleTicket`. */
  visibleTicketJson(id: string, scope: TicketScope): { json: string; revision: number } {
    const found = this.findTicketJson(id, scope);
    if (!found) throw new DomainError('not_found', `Ticket ${id} not found`);
    return found;
  }

  /** The ticket as the caller may see it, or a 404: a ticket outside the caller's scope does not exist for them. */
  visibleTicket(id: string, scope: TicketScope): { doc: TicketDoc; revision: number } {
    const found = this.findTicket(id, scope);
    if (!found) throw new DomainError('not_found', `Ticket ${id} not found`);
    return found;
  }

  findHistory(id: string): TicketHistoryDoc | undefined {
    const row = this.sql.get<[string], { doc: string }>('SELECT doc FROM rm_ticket_history WHERE id = ?').get(id);
    return row && (JSON.parse(row.doc) as TicketHistoryDoc);
  }

  countHistory(ticketId: string): number {
    return this.sql.get<[string], { n: number }>('SELECT count(*) AS n FROM rm_ticket_history WHERE ticket_id = ?').get(ticketId)!.n;
  }

  listHistory(ticketId: string, limit: number, offset: number): { items: TicketHistoryDoc[]; total: number } {
    const total = this.countHistory(ticketId);
    const items = this.sql
      .get<[string, number, number], { doc: string }>(
        'SELECT doc FROM rm_ticket_history WHERE ticket_id = ? ORDER BY position LIMIT ? OFFSET ?',
      )
      .all(ticketId, limit, offset)
      .map((r) => JSON.parse(r.doc) as TicketHistoryDoc);
    return { items, total };
  }
}

function inScope(row: TicketRow, scope: TicketScope): boolean {
  if (row.company_id !== scope.companyId) return false;
  if (scope.applicationId !== undefined && row.application_id !== scope.applicationId) return false;
  const opener = scope.opener;
  if (opener === undefined) return true;
  if (opener.userId !== undefined && row.created_by_user === opener.userId) return true;
  return accessKeyMatches(opener.accessKey, row.access_key_sha256);
}
