import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { WebhookEvent, WebhookEventType } from './webhook.events';

/**
 * Webhook subscriptions as staff read them and the delivery worker uses them. `secrets` holds the sealed
 * signing secrets that sign now: the current one, and the previous one with the end of its overlap. The
 * position of the creation event is where the subscription's deliveries start (events before it are not
 * sent). A row keeps the revision it applied last: a redelivered event changes nothing.
 */
@Injectable()
export class WebhookProjection implements Projection {
  readonly name = 'webhooks';
  readonly version = 1;
  readonly tables = ['rm_webhooks'];
  /** The event types it acts on: the projection runner gives it no other (and its writes wait only for these). */
  readonly handles: readonly string[] = Object.values(WebhookEventType);
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_webhooks (
        id TEXT PRIMARY KEY, company_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL, description TEXT NOT NULL,
        status TEXT NOT NULL, disabled_reason TEXT, secrets TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        revision INTEGER NOT NULL, start_commit INTEGER NOT NULL, start_prepare INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS rm_webhooks_company ON rm_webhooks (company_id, created_at);
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    if (!(Object.values(WebhookEventType) as string[]).includes(event.type)) return;
    const e = event as unknown as WebhookEvent;
    const row = this.stmts.get.get(e.data.id);
    if (row && BigInt(row.revision) >= event.revision) return; // redelivered
    const revision = event.revision;
    switch (e.type) {
      case WebhookEventType.WebhookSubscriptionCreated: {
        const d = e.data;
        const secrets = JSON.stringify([{ sealed: d.sealed_secret, expires_at: null }]);
        this.stmts.insert.run({
          id: d.id,
          company: d.company_id,
          url: d.url,
          events: JSON.stringify(d.events),
          description: d.description,
          secrets,
          at: d.created_at,
          revision,
          commit: event.position.commit,
          prepare: event.position.prepare,
        });
        return;
      }
      case WebhookEventType.WebhookSubscriptionUpdated: {
        if (!row) return;
        const d = e.data;
        this.stmts.update.run({
          id: d.id,
          url: d.url ?? row.url,
          events: d.events ? JSON.stringify(d.events) : row.events,
          description: d.description ?? row.description,
          at: d.updated_at,
          revision,
        });
        return;
      }
      case WebhookEventType.WebhookSubscriptionPaused:
        return void this.stmts.status.run({ id: e.data.id, status: 'paused', reason: null, at: e.data.paused_at, revision });
      case WebhookEventType.WebhookSubscriptionResumed:
        return void this.stmts.status.run({ id: e.data.id, status: 'active', reason: null, at: e.data.resumed_at, revision });
      case WebhookEventType.WebhookSubscriptionDisabled:
        return void this.stmts.status.run({ id: e.data.id, status: 'disabled', reason: e.data.reason, at: e.data.disabled_at, revision });
      case WebhookEventType.WebhookSecretRotated: {
        if (!row) return;
        const current = (JSON.parse(row.secrets) as { sealed: string }[])[0];
        const secrets = JSON.stringify([
          { sealed: e.data.sealed_secret, expires_at: null },
          { sealed: current.sealed, expires_at: e.data.previous_expires_at },
        ]);
        return void this.stmts.secrets.run({ id: e.data.id, secrets, at: e.data.rotated_at, revision });
      }
      case WebhookEventType.WebhookSubscriptionDeleted:
        return void this.stmts.delete.run(e.data.id);
    }
  }
}

function prepare(db: SqliteDatabase) {
  return {
    get: db.prepare<[string], { revision: number; url: string; events: string; description: string; secrets: string }>(
      'SELECT revision, url, events, description, secrets FROM rm_webhooks WHERE id = ?',
    ),
    insert:
      db.prepare(`INSERT OR IGNORE INTO rm_webhooks (id, company_id, url, events, description, status, secrets, created_at, updated_at, revision, start_commit, start_prepare)
      VALUES (@id, @company, @url, @events, @description, 'active', @secrets, @at, @at, @revision, @commit, @prepare)`),
    update: db.prepare(
      'UPDATE rm_webhooks SET url = @url, events = @events, description = @description, updated_at = @at, revision = @revision WHERE id = @id',
    ),
    status: db.prepare(
      'UPDATE rm_webhooks SET status = @status, disabled_reason = @reason, updated_at = @at, revision = @revision WHERE id = @id',
    ),
    secrets: db.prepare('UPDATE rm_webhooks SET secrets = @secrets, updated_at = @at, revision = @revision WHERE id = @id'),
    delete: db.prepare('DELETE FROM rm_webhooks WHERE id = ?'),
    reset: () => db.exec('DELETE FROM rm_webhooks'),
  };
}
