import { Inject, Injectable } from '@nestjs/common';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';

/** Participant (reference 4.10): `user` is the little we know of a UserSchema from the identity. */
export interface ParticipantDoc {
  identity: string;
  status: string;
  user: Record<string, unknown>;
}

/**
 * Token identities: `user:<x-user-id>` for storefront users and `staff:<user or client id>` for staff, so the
 * two can never collide and a participant list tells customers from support.
 */
export const storefrontIdentity = (userId: string) => `user:${userId}`;
export const staffIdentity = (id: string) => `staff:${id}`;

export function userOfIdentity(identity: string): Record<string, unknown> {
  const match = /^(user|staff):(.+)$/.exec(identity);
  return match ? { _id: match[2], user_id: match[2], account_type: match[1] } : {};
}

/** Reads of the video rooms read model (tables owned by VideoRoomProjection). */
@Injectable()
export class VideoRoomQueries {
  constructor(@Inject(SQLITE_DB) private readonly db: SqliteDatabase) {}

  /** The tenant of a room that was ever opened. */
  tenant(room: string): { companyId: string; applicationId?: string } | undefined {
    const row = this.db
      .prepare<[string], { company_id: string; application_id: string | null }>(
        'SELECT company_id, application_id FROM rm_video_rooms WHERE room = ?',
      )
      .get(room);
    return row && { companyId: row.company_id, ...(row.application_id ? { applicationId: row.application_id } : {}) };
  }

  /** Who is in the room now, in the order they joined. */
  participants(room: string): ParticipantDoc[] {
    return this.db
      .prepare<[string], { identity: string; status: string }>(
        "SELECT identity, status FROM rm_video_participants WHERE room = ? AND status = 'connected' ORDER BY joined_revision",
      )
      .all(room)
      .map((r) => ({ identity: r.identity, status: r.status, user: userOfIdentity(r.identity) }));
  }
}
