import { RecordedEvent } from '../../../platform/event-store/event-store.port';
import { SqliteDatabase } from '../../../platform/sqlite/sqlite-database';
import { VideoRoomEventType } from '../../video';

/**
 * The `video_room_id` of the ticket document (reference 6.3): the ticket's own `_id` while its room is open,
 * absent otherwise. It is part of the tickets read model (TicketProjection feeds it, in its transaction and
 * with its checkpoint) but lives here, with the video feature. It keeps the revision of the last room event it
 * applied per ticket, so a redelivered opening cannot bring back a room that was closed since.
 */
export class TicketVideoRoomField {
  /** Its table, for the owning projection's `tables`. */
  static readonly tables = ['rm_ticket_video_rooms'];
  /** The event types it acts on, for the owning projection's `handles`. */
  static readonly handles: readonly string[] = [VideoRoomEventType.VideoRoomOpened, VideoRoomEventType.VideoRoomClosed];
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec('CREATE TABLE IF NOT EXISTS rm_ticket_video_rooms (ticket_id TEXT PRIMARY KEY, revision INTEGER NOT NULL)');
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    const opened = event.type === VideoRoomEventType.VideoRoomOpened;
    if (!opened && event.type !== VideoRoomEventType.VideoRoomClosed) return;
    const ticket = String(event.data.room);
    const last = this.stmts.revision.get(ticket);
    if (last && BigInt(last.revision) >= event.revision) return; // redelivered
    this.stmts.save.run(ticket, event.revision);
    if (opened) this.stmts.set.run(ticket, ticket);
    else this.stmts.unset.run(ticket);
  }
}

function prepare(db: SqliteDatabase) {
  return {
    revision: db.prepare<[string], { revision: number }>('SELECT revision FROM rm_ticket_video_rooms WHERE ticket_id = ?'),
    save: db.prepare(
      'INSERT INTO rm_ticket_video_rooms (ticket_id, revision) VALUES (?, ?) ON CONFLICT (ticket_id) DO UPDATE SET revision = excluded.revision',
    ),
    set: db.prepare("UPDATE rm_tickets SET doc = json_set(doc, '$.video_room_id', ?) WHERE id = ?"),
    unset: db.prepare("UPDATE rm_tickets SET doc = json_remove(doc, '$.video_room_id') WHERE id = ?"),
    reset: () => db.exec('DELETE FROM rm_ticket_video_rooms'),
  };
}
