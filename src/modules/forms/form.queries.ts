import { Inject, Injectable } from '@nestjs/common';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { CustomFormDoc, FormResponseDoc } from './form.views';

/** A stored response whose ticket has not been seen yet. */
export interface PendingTicket {
  readonly id: string;
  readonly ticket_id: string;
  readonly stream: string;
  readonly revision: number;
}

/** Reads of the forms read model (tables owned by FormProjection). A deleted form reads as missing. */
@Injectable()
export class FormQueries {
  constructor(@Inject(SQLITE_DB) private readonly db: SqliteDatabase) {}

  findForm(applicationId: string, slug: string): CustomFormDoc | undefined {
    const row = this.db
      .prepare<[string, string], { doc: string }>('SELECT doc FROM rm_forms WHERE application_id = ? AND slug = ? AND active = 1')
      .get(applicationId, slug);
    return row && (JSON.parse(row.doc) as CustomFormDoc);
  }

  listForms(applicationId: string, limit: number, offset: number): { items: CustomFormDoc[]; total: number } {
    const total = this.db
      .prepare<[string], { n: number }>('SELECT count(*) AS n FROM rm_forms WHERE application_id = ? AND active = 1')
      .get(applicationId)!.n;
    const items = this.db
      .prepare<[string, number, number], { doc: string }>(
        'SELECT doc FROM rm_forms WHERE application_id = ? AND active = 1 ORDER BY created_at DESC, slug LIMIT ? OFFSET ?',
      )
      .all(applicationId, limit, offset)
      .map((r) => JSON.parse(r.doc) as CustomFormDoc);
    return { items, total };
  }

  findResponse(id: string): (FormResponseDoc & { ticket_opened: boolean }) | undefined {
    const row = this.db
      .prepare<[string], { doc: string; ticket_opened: number }>('SELECT doc, ticket_opened FROM rm_form_responses WHERE id = ?')
      .get(id);
    return row && { ...(JSON.parse(row.doc) as FormResponseDoc), ticket_opened: row.ticket_opened === 1 };
  }

  /** Stored responses, submitted before `before`, whose TicketCreated has not been projected yet. */
  /** `exclude`: response ids to leave out (parked ones), so they cannot fill every batch. */
  pendingTickets(before: string, limit: number, exclude: readonly string[] = []): PendingTicket[] {
    return this.db
      .prepare<[string, string, number], PendingTicket>(
        'SELECT id, ticket_id, stream, revision FROM rm_form_responses WHERE ticket_opened = 0 AND created_at < ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY created_at LIMIT ?',
      )
      .all(before, JSON.stringify(exclude), limit);
  }
}
