import { Position } from '../../platform/event-store/event-store.port';

/**
 * A global-log position as text: "42" when both halves agree (the embedded stores), "commit-prepare"
 * otherwise (EventStoreDB). Text, not a JSON number: EventStoreDB positions exceed 2^53.
 */
export function formatPosition(position: Position): string {
  return position.commit === position.prepare ? String(position.commit) : `${position.commit}-${position.prepare}`;
}

export const POSITION_PATTERN = /^(\d{1,20})(?:-(\d{1,20}))?$/;

export function parsePosition(text: string): Position | undefined {
  const match = POSITION_PATTERN.exec(text);
  if (!match) return undefined;
  const commit = BigInt(match[1]);
  return { commit, prepare: match[2] === undefined ? commit : BigInt(match[2]) };
}
