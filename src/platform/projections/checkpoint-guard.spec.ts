import { MemoryEventStore } from '../event-store/memory.event-store';
import { openSqlite } from '../sqlite/sqlite-database';
import { aheadOfLogMessage, checkpointsAheadOfLog } from './checkpoint-guard';
import { CheckpointStore } from './checkpoint-store';

describe('checkpoints ahead of the log', () => {
  const setup = async (events: number) => {
    const store = new MemoryEventStore(); // any adapter: the guard only asks the port for lastPosition()
    for (let i = 0; i < events; i++) await store.append('s', [{ type: 'T', data: {} }], { expectedRevision: 'any' });
    const checkpoints = new CheckpointStore(openSqlite(':memory:'));
    checkpoints.create('tickets', 1);
    checkpoints.create('desk', 1);
    return { store, checkpoints };
  };
  const at = (n: number) => ({ commit: BigInt(n), prepare: BigInt(n) });

  it('none while every checkpoint is at or behind the newest event', async () => {
    const { store, checkpoints } = await setup(3);
    checkpoints.save('tickets', 1, 1, at(2));
    expect(await checkpointsAheadOfLog(store, checkpoints)).toEqual([]);
  });

  it('names each projection beyond the log (cut tail, wiped store) with its checkpoint and the log end', async () => {
    const { store, checkpoints } = await setup(2);
    checkpoints.save('tickets', 1, 1, at(7));
    checkpoints.save('desk', 1, 1, at(1));
    const ahead = await checkpointsAheadOfLog(store, checkpoints);
    expect(ahead).toEqual([{ name: 'tickets', kind: 'live', checkpoint: at(7), logEnd: at(1) }]);
    expect(aheadOfLogMessage(ahead)).toContain('tickets: checkpoint at position 7, but the event log ends at 1');
    expect(aheadOfLogMessage(ahead)).toContain('npm run projections -- replay tickets');
    const wiped = await setup(0);
    wiped.checkpoints.save('desk', 1, 1, at(0));
    expect(aheadOfLogMessage(await checkpointsAheadOfLog(wiped.store, wiped.checkpoints))).toContain(
      'desk: checkpoint at position 0, but the event log ends at empty (no event)',
    );
  });
});
