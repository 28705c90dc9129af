import { EventStore, Position, comparePositions } from '../event-store/event-store.port';
import { Checkpoint, CheckpointStore } from './checkpoint-store';

export interface AheadOfLog {
  readonly name: string;
  readonly kind: 'live' | 'rebuild';
  readonly checkpoint: Position;
  readonly logEnd: Position | undefined;
}

/**
 * Checkpoints beyond the newest event of the log: the log lost its tail (cut, counters reset) or the store was
 * replaced or wiped while the read models stayed. Fed on, such a projection would skip the next events (their
 * positions are at or below its checkpoint) and serve models the log does not support. Adapter-neutral: it
 * compares with `EventStore.lastPosition`, so it holds for EventStoreDB as for SQLite.
 */
export async function checkpointsAheadOfLog(store: EventStore, checkpoints: CheckpointStore): Promise<AheadOfLog[]> {
  const logEnd = await store.lastPosition();
  const ahead = (c: Pick<Checkpoint, 'position'>) =>
    c.position !== undefined && (logEnd === undefined || comparePositions(c.position, logEnd) > 0);
  return [
    ...checkpoints
      .list()
      .filter(ahead)
      .map((c) => ({ name: c.name, kind: 'live' as const, checkpoint: c.position!, logEnd })),
    ...checkpoints
      .rebuilds()
      .filter(ahead)
      .map((r) => ({ name: r.name, kind: 'rebuild' as const, checkpoint: r.position!, logEnd })),
  ];
}

const at = (p: Position | undefined) =>
  p === undefined ? 'empty (no event)' : p.commit === p.prepare ? String(p.commit) : `${p.commit}/${p.prepare}`;

/** The operator's message: which projection, its checkpoint, the log's end, and the command that rebuilds it. */
export function aheadOfLogMessage(found: readonly AheadOfLog[]): string {
  const names = [...new Set(found.map((f) => f.name))];
  const lines = found.map(
    (f) =>
      `  ${f.name}${f.kind === 'rebuild' ? ' (rebuild in progress)' : ''}: checkpoint at position ${at(f.checkpoint)}, but the event log ends at ${at(f.logEnd)}`,
  );
  const command = names.length === 1 ? `npm run projections -- replay ${names[0]}` : 'npm run projections -- rebuild-all';
  return [
    `Refusing to start: ${names.length} projection checkpoint(s) are ahead of the event log (its tail was cut, or the store was replaced or wiped):`,
    ...lines,
    `Check the event log first (npm run audit:verify), then rebuild the read models from it: ${command}`,
  ].join('\n');
}
