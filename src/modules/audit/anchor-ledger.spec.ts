import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { AnchorLedger } from './anchor-ledger';
import { anchorPending } from './audit-anchorer';
import { auditStream } from './stream-audit';

const KEY = Buffer.from('k'.repeat(32));

describe('AnchorLedger', () => {
  const setup = async () => {
    const db = openSqlite(':memory:');
    const store = new MemoryEventStore();
    for (const stream of ['s-a', 's-b', 's-a']) {
      await store.append(stream, [{ type: 'T', data: { stream }, metadata: { hash: 'h' } }], { expectedRevision: 'any' });
    }
    return { db, store, ledger: new AnchorLedger(db, KEY) };
  };

  it('anchors each event once, in log order, however often it runs', async () => {
    const { store, ledger } = await setup();
    expect(await anchorPending(store, ledger)).toBe(3);
    expect(await anchorPending(store, ledger)).toBe(0);
    expect(ledger.append(await store.readAll())).toBe(0);
    expect(ledger.after(0, 10).map((a) => [a.seq, a.stream, a.revision])).toEqual([[1, 's-a', 0n], [2, 's-b', 0n], [3, 's-a', 1n]]);
    expect(ledger.forStream('s-a').every((a) => a.problem === undefined)).toBe(true);
  });

  it('an anchor checked with another key, edited, or missing its predecessor is not trusted', async () => {
    const { db, store, ledger } = await setup();
    await anchorPending(store, ledger);
    expect(new AnchorLedger(db, Buffer.from('x'.repeat(32))).forStream('s-b')[0].problem).toContain('fails its MAC');
    db.prepare("UPDATE audit_anchors SET anchored_at = '2000-01-01T00:00:00.000Z' WHERE seq = 2").run();
    expect(ledger.forStream('s-b')[0].problem).toContain('anchor 2 fails its MAC');
    db.prepare('DELETE FROM audit_anchors WHERE seq = 2').run();
    expect(ledger.forStream('s-a')[1].problem).toContain('anchor 2 before it is missing');
  });

  it('a stream compared with its anchors names the first changed, moved or missing event', async () => {
    const { store, ledger } = await setup();
    await anchorPending(store, ledger);
    const events = await store.readStream('s-a');
    const anchors = ledger.forStream('s-a');
    expect(auditStream('s-a', events, anchors).findings.filter((f) => f.check === 'anchor')).toEqual([]);
    const changed: RecordedEvent[] = [events[0], { ...events[1], data: { stream: 'forged' } }];
    expect(auditStream('s-a', changed, anchors).findings).toContainEqual(expect.objectContaining({ check: 'anchor', revision: '1', reason: expect.stringContaining('changed after') }));
    const moved: RecordedEvent[] = [events[0], { ...events[1], position: { commit: 99n, prepare: 99n } }];
    expect(auditStream('s-a', moved, anchors).findings).toContainEqual(expect.objectContaining({ check: 'anchor', reason: expect.stringContaining('moved from position 2 to 99') }));
    expect(auditStream('s-a', [events[0]], anchors).findings).toContainEqual(expect.objectContaining({ check: 'anchor', revision: '1', reason: expect.stringContaining('missing') }));
  });

  it('refuses to anchor without a key', async () => {
    const { db, store } = await setup();
    await expect(anchorPending(store, new AnchorLedger(db, undefined))).rejects.toThrow('no audit key');
  });
});
