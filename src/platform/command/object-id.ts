import { randomBytes } from 'node:crypto';

// Ticket, history and form ids keep the Mongo ObjectId shape (24 hex) that Fynd clients already store and
// validate: 4 bytes of seconds, 5 random bytes per process, a 3-byte counter. Sortable by creation time.
const processRandom = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newObjectId(now: Date = new Date()): string {
  counter = (counter + 1) % 0xffffff;
  const seconds = Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0');
  return seconds + processRandom + counter.toString(16).padStart(6, '0');
}

export const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/;
