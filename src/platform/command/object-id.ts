import { randomBytes } from 'node:crypto';

// Ticket, history and form ids keep the Mongo ObjectId shape (24 hex) that Fynd clients already store and
// validate: 4 bytes of seconds, then 8 random bytes drawn for each id. Ids are the only thing between a
// storefront caller and someone else's ticket besides the tenancy checks, so none may be guessed from
// another (the former per-process constant + counter let a caller subtract 1 from its own id). Ids sort
// by creation second, not within one.
export function newObjectId(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

export const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/;
