import { Injectable } from '@nestjs/common';
import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { Projection } from '../../platform/projections/projection';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import {
  VideoParticipantJoined,
  VideoParticipantLeft,
  VideoRoomClosed,
  VideoRoomEvent,
  VideoRoomEventType,
  VideoRoomOpened,
} from './video-room.events';

/**
 * Video rooms and who is in them. Each room row keeps the revision of the last event of its stream that it
 * applied: a redelivered event (revision not above it) changes nothing.
 */
@Injectable()
export class VideoRoomProjection implements Projection {
  readonly name = 'video-rooms';
  readonly version = 1;
  readonly tables = ['rm_video_rooms', 'rm_video_participants'];
  readonly lifecycle = 'inline' as const;
  readonly handles = Object.values(VideoRoomEventType);
  private stmts!: ReturnType<typeof prepare>;

  init(db: SqliteDatabase): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_video_rooms (
        room TEXT PRIMARY KEY, company_id TEXT NOT NULL, application_id TEXT, status TEXT NOT NULL,
        session INTEGER NOT NULL, revision INTEGER NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT);
      CREATE TABLE IF NOT EXISTS rm_video_participants (
        room TEXT NOT NULL, identity TEXT NOT NULL, sid TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
        joined_at TEXT NOT NULL, joined_revision INTEGER NOT NULL, left_at TEXT, PRIMARY KEY (room, identity));
    `);
    this.stmts = prepare(db);
  }

  reset(): void {
    this.stmts.reset();
  }

  apply(event: RecordedEvent): void {
    if (!(Object.values(VideoRoomEventType) as string[]).includes(event.type)) return;
    const e = event as unknown as VideoRoomEvent & { revision: bigint };
    const row = this.stmts.revision.get(e.data.room);
    if (row && BigInt(row.revision) >= e.revision) return; // redelivered
    if (!row && e.type !== VideoRoomEventType.VideoRoomOpened) return; // cannot happen: a room stream starts with its opening
    switch (e.type) {
      case VideoRoomEventType.VideoRoomOpened:
        return this.opened(e.data, e.revision);
      case VideoRoomEventType.VideoParticipantJoined:
        return this.joined(e.data, e.revision);
      case VideoRoomEventType.VideoParticipantLeft:
        return this.left(e.data, e.revision);
      case VideoRoomEventType.VideoRoomClosed:
        return this.closed(e.data, e.revision);
    }
  }

  private opened(d: VideoRoomOpened['data'], revision: bigint): void {
    this.stmts.upsertRoom.run({
      room: d.room,
      company: d.company_id,
      application: d.application_id ?? null,
      session: d.session,
      revision,
      at: d.opened_at,
    });
  }

  private joined(d: VideoParticipantJoined['data'], revision: bigint): void {
    this.stmts.join.run({ room: d.room, identity: d.identity, sid: d.sid, name: d.name, at: d.joined_at, revision });
    this.stmts.touch.run(revision, d.room);
  }

  private left(d: VideoParticipantLeft['data'], revision: bigint): void {
    this.stmts.leave.run({ room: d.room, identity: d.identity, sid: d.sid, at: d.left_at });
    this.stmts.touch.run(revision, d.room);
  }

  private closed(d: VideoRoomClosed['data'], revision: bigint): void {
    this.stmts.close.run({ room: d.room, revision, at: d.closed_at });
    this.stmts.leaveAll.run({ room: d.room, at: d.closed_at });
  }
}

function prepare(db: SqliteDatabase) {
  return {
    revision: db.prepare<[string], { revision: number }>('SELECT revision FROM rm_video_rooms WHERE room = ?'),
    upsertRoom: db.prepare(`INSERT INTO rm_video_rooms (room, company_id, application_id, status, session, revision, opened_at)
      VALUES (@room, @company, @application, 'open', @session, @revision, @at)
      ON CONFLICT (room) DO UPDATE SET status = 'open', session = excluded.session, revision = excluded.revision,
        opened_at = excluded.opened_at, closed_at = NULL`),
    join: db.prepare(`INSERT INTO rm_video_participants (room, identity, sid, name, status, joined_at, joined_revision)
      VALUES (@room, @identity, @sid, @name, 'connected', @at, @revision)
      ON CONFLICT (room, identity) DO UPDATE SET sid = excluded.sid, name = excluded.name, status = 'connected',
        joined_at = excluded.joined_at, joined_revision = excluded.joined_revision, left_at = NULL`),
    leave: db.prepare(`UPDATE rm_video_participants SET status = 'disconnected', left_at = @at
      WHERE room = @room AND identity = @identity AND sid = @sid`),
    leaveAll: db.prepare(
      `UPDATE rm_video_participants SET status = 'disconnected', left_at = @at WHERE room = @room AND status = 'connected'`,
    ),
    close: db.prepare(`UPDATE rm_video_rooms SET status = 'closed', revision = @revision, closed_at = @at WHERE room = @room`),
    touch: db.prepare('UPDATE rm_video_rooms SET revision = ? WHERE room = ?'),
    reset: () => db.exec('DELETE FROM rm_video_rooms; DELETE FROM rm_video_participants;'),
  };
}
