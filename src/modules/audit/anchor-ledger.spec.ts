import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { handleCommand } from '../../platform/command/command-handler';
import { EventStore, RecordedEvent } from '../../platform/event-store/event-store.port';
import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { AnchorLedger } from './anchor-ledger';
import { anchorPending as anchorWith } from './audit-anchorer';
import { GENESIS_HASH, eventHash, keyedEventHash } from '../../platform/event-store/hash-chain';
import { auditStream } from './stream-audit';

const KEY = testChainKey.key;
const note = { initialState: 0, evolve: (n: number) => n + 1, decide: (stream: string) => [{ type: 'T', data: { stream } }] };
/** Written as the service writes: through the command path, keyed links. */
const write = (store: EventStore, stream: string, n: number) =>
  handleCommand(store, new KeyedLock(), testChainKey, stream, note, stream, { commandId: `c${n}`, metadata: {} });

describe('AnchorLedger', () => {
  const setup = async () => {
    const db = openSqlite(':memory:');
    const store = new MemoryEventStore();
    let n = 0;
    for (const stream of ['s-a', 's-b', 's-a']) await write(store, stream, n++);
    return { db, store, ledger: new AnchorLedger(db, KEY) };
  };
  const anchorPending = (store: EventStore, ledger: AnchorLedger, onRefused?: (reason: string) => void) =>
    anchorWith(store, ledger, { key: KEY, onRefused });

  it('anchors each event once, in log order, however often it runs', async () => {
    const { store, ledger } = await setup();
    expect(await anchorPending(store, ledger)).toBe(3);
    expect(await anchorPending(store, ledger)).toBe(0);
    expect(ledger.append(await store.readAll())).toBe(0);
    expect(ledger.after(0, 10).map((a) => [a.seq, a.stream, a.revision])).toEqual([
      [1, 's-a', 0n],
      [2, 's-b', 0n],
      [3, 's-a', 1n],
    ]);
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
    expect(auditStream('s-a', events, anchors, undefined, { key: KEY }).findings.filter((f) => f.check === 'anchor')).toEqual([]);
    const changed: RecordedEvent[] = [events[0], { ...events[1], data: { stream: 'forged' } }];
    expect(auditStream('s-a', changed, anchors, undefined, { key: KEY }).findings).toContainEqual(
      expect.objectContaining({ check: 'anchor', revision: '1', reason: expect.stringContaining('changed after') }),
    );
    const moved: RecordedEvent[] = [events[0], { ...events[1], position: { commit: 99n, prepare: 99n } }];
    expect(auditStream('s-a', moved, anchors, undefined, { key: KEY }).findings).toContainEqual(
      expect.objectContaining({ check: 'anchor', reason: expect.stringContaining('moved from position 2 to 99') }),
    );
    expect(auditStream('s-a', [events[0]], anchors, undefined, { key: KEY }).findings).toContainEqual(
      expect.objectContaining({ check: 'anchor', revision: '1', reason: expect.stringContaining('missing') }),
    );
  });

  it('refuses to anchor without a key', async () => {
    const { db, store } = await setup();
    await expect(anchorPending(store, new AnchorLedger(db, undefined))).rejects.toThrow('no audit key');
  });

  describe('never signs a row written without the audit key', () => {
    /** What a database writer can do: a valid unkeyed link (scheme 1), or one that claims scheme 2. */
    const forge = async (store: EventStore, scheme: 1 | 2) => {
      const [last] = await store.readStream('s-a', { direction: 'backwards', maxCount: 1 });
      const metadata = scheme === 2 ? { hashScheme: 2 } : {};
      const event = { streamName: 's-a', revision: last.revision + 1n, id: 'forged', type: 'T', data: { stream: 'forged' }, metadata };
      const hash =
        scheme === 2
          ? keyedEventHash(Buffer.from('a guessed key, not the audit key!!'), String(last.metadata.hash), event)
          : eventHash(String(last.metadata.hash), event);
      await store.append('s-a', [{ id: 'forged', type: 'T', data: event.data, metadata: { ...metadata, hash } }], {
        expectedRevision: last.revision,
      });
    };

    it.each([1, 2] as const)('scheme %s forgery after keyed events: refused, named, and nothing after it is anchored', async (scheme) => {
      const { store, ledger } = await setup();
      expect(await anchorPending(store, ledger)).toBe(3);
      await forge(store, scheme);
      await write(store, 's-b', 9);
      const refusals: string[] = [];
      expect(await anchorPending(store, ledger, (r) => refusals.push(r))).toBe(0);
      expect(ledger.count()).toBe(3);
      expect(refusals).toEqual([
        expect.stringMatching(
          scheme === 1
            ? /s-a revision 2 event forged position 3: an unkeyed \(scheme 1\) event after keyed ones/
            : /s-a revision 2 event forged position 3: the stored keyed hash does not match/,
        ),
      ]);
      const forgedAudit = auditStream('s-a', await store.readStream('s-a'), ledger.forStream('s-a'), undefined, { key: KEY });
      expect(forgedAudit.broken).toMatchObject({ check: 'chain', revision: '2' });
    });

    it('events of a store written before keyed chains (scheme 1) are anchored and verify as before', async () => {
      const db = openSqlite(':memory:');
      const store = new MemoryEventStore();
      let previous = GENESIS_HASH;
      for (let revision = 0n; revision < 3n; revision++) {
        const event = { streamName: 'old', revision, id: `old-${revision}`, type: 'T', data: { revision: Number(revision) }, metadata: {} };
        previous = eventHash(previous, event);
        await store.append('old', [{ id: event.id, type: 'T', data: event.data, metadata: { hash: previous } }], {
          expectedRevision: revision - 1n < 0n ? 'no_stream' : revision - 1n,
        });
      }
      await write(store, 'old', 3);
      const ledger = new AnchorLedger(db, KEY);
      expect(await anchorPending(store, ledger)).toBe(4);
      const events = await store.readStream('old');
      expect(events.map((e) => e.metadata.hashScheme)).toEqual([undefined, undefined, undefined, 2]);
      expect(auditStream('old', events, ledger.forStream('old'), 3n, { key: KEY })).toMatchObject({ valid: true, findings: [] });
    });
  });
});
