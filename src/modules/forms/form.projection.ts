import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { TicketCreated, TicketEventType } from '../tickets';
import { FormState, evolveForm, initialFormState } from './form.decider';
import { FormEvent, FormEventType, FormSubmitted } from './form.events';
import { customFormDoc, formResponseDoc } from './form.views';

const FORM_EVENTS = new Set<string>(Object.values(FormEventType));

/**
 * Forms and their stored responses. The form row keeps the decider's state, folded with the decider's own
 * `evolve`, so the document served here is the one a ticket embeds. A response stays `ticket_opened = 0`
 * until the TicketCreated naming it is seen: that is the reconciler's to-do list.
 */
@Injectable()
export class FormProjection implements Projection {
  readonly name = 'forms';
  readonly version = 1;
  readonly tables = ['rm_forms', 'rm_form_responses'];
  readonly lifecycle = 'inline' as const;
  readonly handles = [...FORM_EVENTS, TicketEventType.TicketCreated];
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_forms (
        stream TEXT PRIMARY KEY, application_id TEXT NOT NULL, slug TEXT NOT NULL, active INTEGER NOT NULL,
        revision INTEGER NOT NULL, created_at TEXT NOT NULL, state TEXT NOT NULL, doc TEXT NOT NULL,
        UNIQUE (application_id, slug));
      CREATE INDEX IF NOT EXISTS rm_forms_list ON rm_forms (application_id, active, created_at DESC, slug);
      CREATE TABLE IF NOT EXISTS rm_form_responses (
        id TEXT PRIMARY KEY, application_id TEXT NOT NULL, form_slug TEXT NOT NULL, ticket_id TEXT NOT NULL,
        stream TEXT NOT NULL, revision INTEGER NOT NULL, ticket_opened INTEGER NOT NULL, created_at TEXT NOT NULL,
        doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_form_responses_pending ON rm_form_responses (ticket_opened, created_at);
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    if (FORM_EVENTS.has(event.type)) return this.formEvent(event as unknown as RecordedEvent & FormEvent);
    if (event.type === TicketEventType.TicketCreated) {
      const d = event.data as unknown as TicketCreated['data'];
      if (d.response_id) this.stmts.ticketOpened.run(d.response_id, d.id);
    }
  }

  private formEvent(event: RecordedEvent & FormEvent): void {
    const row = this.stmts.form.get(event.streamName);
    if (row && BigInt(row.revision) >= event.revision) return; // redelivered
    const state = evolveForm(row ? (JSON.parse(row.state) as FormState) : initialFormState, event);
    const form = state.form!;
    this.stmts.upsertForm.run({
      stream: event.streamName,
      application_id: form.application_id,
      slug: form.slug,
      active: state.status === 'active' ? 1 : 0,
      revision: event.revision,
      created_at: form.created_at,
      state: JSON.stringify(state),
      doc: JSON.stringify(customFormDoc(form)),
    });
    if (event.type === FormEventType.FormSubmitted) {
      const d: FormSubmitted['data'] = event.data;
      const doc = formResponseDoc(form, d);
      this.stmts.insertResponse.run(
        d.response_id,
        form.application_id,
        form.slug,
        d.ticket_id,
        event.streamName,
        event.revision,
        d.created_at,
        JSON.stringify(doc),
      );
    }
  }
}

function prepare(db: SqliteDatabase) {
  return {
    form: db.prepare<[string], { revision: number; state: string }>('SELECT revision, state FROM rm_forms WHERE stream = ?'),
    upsertForm: db.prepare(
      `INSERT INTO rm_forms (stream, application_id, slug, active, revision, created_at, state, doc)
       VALUES (@stream, @application_id, @slug, @active, @revision, @created_at, @state, @doc)
       ON CONFLICT (stream) DO UPDATE SET active = excluded.active, revision = excluded.revision,
         created_at = excluded.created_at, state = excluded.state, doc = excluded.doc`,
    ),
    insertResponse: db.prepare(
      `INSERT OR IGNORE INTO rm_form_responses (id, application_id, form_slug, ticket_id, stream, revision, ticket_opened, created_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ),
    ticketOpened: db.prepare('UPDATE rm_form_responses SET ticket_opened = 1 WHERE id = ? AND ticket_id = ?'),
    reset: () => db.exec('DELETE FROM rm_forms; DELETE FROM rm_form_responses;'),
  };
}
