import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testChainKey } from '../../../test/support/recorded-events';
import { Decider, handleCommand } from '../command/command-handler';
import { KeyedLock } from '../command/keyed-lock';
import { EventMetadata, RecordedEvent } from '../event-store/event-store.port';
import { verifyChain } from '../event-store/hash-chain';
import { MemoryEventStore } from '../event-store/memory.event-store';
import { ERASED, sealField, fieldAad } from './field-cipher';
import { KeyStore, SqliteKeyStore } from './key-store';
import { declarePersonalData, undeclaredPaths } from './personal-data';
import { isSealedEvent, protectPersonalData } from './protected-event-store';

type Opened = { type: 'Opened'; data: { id: string; title: string; owner: Record<string, string>; tags: string[] } };
type Commented = { type: 'Commented'; data: { text: string; by: string } };
type NoteEvent = Opened | Commented;

const declaration = declarePersonalData<NoteEvent>({
  name: 'notes',
  events: {
    Opened: { id: 'none', title: 'requester', owner: { '*': 'requester', id: 'none' }, tags: 'none' },
    Commented: { text: 'author', by: 'none' },
  },
  subjects: (event, history) => ({
    requester: ((event.type === 'Opened' ? event : history[0])?.data.owner as { id: string } | undefined)?.id,
    author: event.type === 'Commented' ? String(event.data.by) : undefined,
  }),
});

const notes: Decider<NoteEvent, number, NoteEvent> = { initialState: 0, evolve: (n) => n + 1, decide: (e) => [e] };
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const meta = (user: string): EventMetadata => ({
  occurredAt: '2026-01-01T00:00:00.000Z',
  actor: { type: 'storefront_user', id: user },
  tenant: { companyId: '1' },
  source: { user_agent: `agent of ${user}`, ip: '203.0.113.9' },
});

/** A memory store whose reads can show a row edited in the database (the stored objects stay untouched). */
class TamperableStore extends MemoryEventStore {
  edit?: (event: RecordedEvent) => RecordedEvent;
  override async readStream(...args: Parameters<MemoryEventStore['readStream']>): Promise<RecordedEvent[]> {
    const events = await super.readStream(...args);
    return this.edit ? events.map(this.edit) : events;
  }
}

describe('the personal-data layer of the event store', () => {
  let raw: MemoryEventStore;
  let keys: KeyStore;
  const store = () => protectPersonalData(raw, { keys, declarations: [declaration], encrypt: true });
  const write = (stream: string, event: NoteEvent, user: string, id: string) =>
    handleCommand(store(), new KeyedLock(), testChainKey, stream, notes, event, { commandId: id, metadata: meta(user) });

  beforeEach(async () => {
    raw = new MemoryEventStore();
    keys = new SqliteKeyStore(':memory:');
    await write(
      'note-1',
      { type: 'Opened', data: { id: 'n1', title: 'Zanzibar parcel', owner: { id: 'alice', email: 'a@x.io' }, tags: ['t'] } },
      'alice',
      'c1',
    );
    await write('note-1', { type: 'Commented', data: { text: 'Agent Smith here', by: 'agent' } }, 'agent', 'c2');
  });

  it('stores personal fields sealed (and the metadata source), leaves the rest, and marks the event', async () => {
    const stored = await raw.readStream('note-1');
    const text = json(stored);
    for (const secret of ['Zanzibar', 'a@x.io', 'Agent Smith', 'agent of alice', '203.0.113.9']) expect(text).not.toContain(secret);
    expect(stored[0].data).toMatchObject({ id: 'n1', owner: { id: 'alice' }, tags: ['t'] });
    expect(stored.every(isSealedEvent)).toBe(true);
  });

  it('every reader of the layer gets plaintext: readStream, readAll, subscriptions', async () => {
    const s = store();
    const expected = { title: 'Zanzibar parcel', owner: { id: 'alice', email: 'a@x.io' } };
    expect((await s.readStream('note-1'))[0].data).toMatchObject(expected);
    expect((await s.readAll())[0].data).toMatchObject(expected);
    expect((await s.readAll())[0].metadata.source).toEqual({ user_agent: 'agent of alice', ip: '203.0.113.9' });
    const subscription = s.subscribeToAll();
    const seen: RecordedEvent[] = [];
    for await (const e of subscription) {
      seen.push(e);
      if (seen.length === 2) break;
    }
    await subscription.close();
    expect(seen.map((e) => e.data)).toMatchObject([expected, { text: 'Agent Smith here' }]);
  });

  it('after the requester key is destroyed their fields read "[erased]", the author’s do not, and the chain still verifies', async () => {
    const before = await store().readStream('note-1');
    expect(verifyChain(before, 1n, { key: testChainKey.key })).toMatchObject({ valid: true });
    keys.destroy('1/alice');
    const after = await store().readStream('note-1');
    expect(after[0].data).toEqual({ id: 'n1', title: ERASED, owner: { id: 'alice', email: ERASED }, tags: ['t'] });
    expect(after[0].metadata.source).toEqual({ user_agent: ERASED, ip: ERASED });
    expect(after[1].data).toEqual({ text: 'Agent Smith here', by: 'agent' });
    expect(verifyChain(after, 1n, { key: testChainKey.key })).toMatchObject({ valid: true });
    // And the stream takes writes again (the command path checks its tail link over the stored form).
    await write('note-1', { type: 'Commented', data: { text: 'more', by: 'agent' } }, 'agent', 'c3');
    expect(verifyChain(await store().readStream('note-1'), 2n, { key: testChainKey.key })).toMatchObject({ valid: true });
  });

  it('with the key cache warm, an erasure through another connection to keys.db (another instance) reads "[erased]" at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-pd-'));
    keys = new SqliteKeyStore(join(dir, 'keys.db'));
    raw = new MemoryEventStore();
    await write('note-9', { type: 'Opened', data: { id: 'n9', title: 'Quokka', owner: { id: 'alice' }, tags: [] } }, 'alice', 'c1');
    // Warm: the write cached alice's key by subject, this read by key id.
    expect((await store().readStream('note-9'))[0].data).toMatchObject({ title: 'Quokka' });
    const otherInstance = new SqliteKeyStore(join(dir, 'keys.db'));
    otherInstance.destroy('1/alice');
    otherInstance.close();
    expect((await store().readStream('note-9'))[0].data).toMatchObject({ title: ERASED });
    expect((await store().readStream('note-9'))[0].metadata.source).toEqual({ user_agent: ERASED, ip: ERASED });
    keys.close();
  });

  it('decrypts an event once for all its readers, and a destroy (here or by another instance) drops what it cached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lead-pd-'));
    keys = new SqliteKeyStore(join(dir, 'keys.db'));
    const tamperable = new TamperableStore();
    raw = tamperable;
    await write('note-8', { type: 'Opened', data: { id: 'n8', title: 'Wombat', owner: { id: 'alice' }, tags: [] } }, 'alice', 'c1');
    await write('note-7', { type: 'Opened', data: { id: 'n7', title: 'Numbat', owner: { id: 'bob' }, tags: [] } }, 'bob', 'c2');
    const layer = store();
    const first = (await layer.readStream('note-8'))[0];
    // Warm: another reader (the global log) gets the very object already opened.
    expect((await layer.readAll()).find((e) => e.streamName === 'note-8')).toBe(first);
    expect(first.data).toMatchObject({ title: 'Wombat' });
    // A row edited behind the layer's back is opened again, not served from the cache (the audit must see it).
    tamperable.edit = (e) => ({ ...e, data: { ...e.data, tags: ['edited'] } });
    const reread = (await layer.readStream('note-8'))[0];
    tamperable.edit = undefined;
    expect(reread).not.toBe(first);
    expect(reread.data).toMatchObject({ title: 'Wombat', tags: ['edited'] });
    keys.destroy('1/alice');
    expect((await layer.readStream('note-8'))[0].data).toMatchObject({ title: ERASED });
    expect((await layer.readAll()).find((e) => e.streamName === 'note-8')!.data).toMatchObject({ title: ERASED });
    const subscription = layer.subscribeToAll();
    for await (const e of subscription) {
      if (e.streamName === 'note-8') expect(e.data).toMatchObject({ title: ERASED });
      if (e.streamName === 'note-7') break;
    }
    await subscription.close();
    // Warm again (bob's event), then erased through another connection to keys.db.
    expect((await layer.readStream('note-7'))[0].data).toMatchObject({ title: 'Numbat' });
    const otherInstance = new SqliteKeyStore(join(dir, 'keys.db'));
    otherInstance.destroy('1/bob');
    otherInstance.close();
    expect((await layer.readStream('note-7'))[0].data).toMatchObject({ title: ERASED });
    keys.close();
  });

  it('leaves events written before sealing (no mark) as they are, look-alike envelopes included', async () => {
    const lookalike = sealField({ keyId: 'nope', key: Buffer.alloc(32) }, fieldAad('legacy-1', 0n, 'data.title'), 'x');
    await raw.append('legacy-1', [{ type: 'Opened', data: { title: 'old plaintext', x: lookalike }, metadata: {} }], {
      expectedRevision: 'no_stream',
    });
    const [legacy] = await store().readStream('legacy-1');
    expect(legacy.data).toEqual({ title: 'old plaintext', x: lookalike });
  });

  it('a sealed field copied by a caller into their own event never opens there (its AAD names another place)', async () => {
    const [stored] = await raw.readStream('note-1');
    const title = (stored.data as { title: unknown }).title;
    // Copy alice's sealed title into another event's free-text field: its AAD names another place.
    await write(
      'note-2',
      { type: 'Opened', data: { id: 'n2', title: 't', owner: { id: 'mallory', email: title as string }, tags: [] } },
      'mallory',
      'c9',
    );
    const [copied] = await store().readStream('note-2');
    // The copy is the caller's own value (sealed again under their key): it reads back as the blob they sent.
    expect((copied.data as { owner: { email: unknown } }).owner.email).toEqual(title);
    expect(json(copied)).not.toContain('Zanzibar');
  });

  it('off (LEAD_PERSONAL_DATA_ENCRYPTION=off) writes plaintext, unmarked', async () => {
    const plain = protectPersonalData(raw, { keys, declarations: [declaration], encrypt: false });
    await handleCommand(
      plain,
      new KeyedLock(),
      testChainKey,
      'note-3',
      notes,
      { type: 'Commented', data: { text: 'visible', by: 'x' } },
      {
        commandId: 'c5',
        metadata: meta('x'),
      },
    );
    const [stored] = await raw.readStream('note-3');
    expect(stored.data).toEqual({ text: 'visible', by: 'x' });
    expect(isSealedEvent(stored)).toBe(false);
  });

  it('names the string fields a declaration leaves out, and seals them anyway', async () => {
    expect(undeclaredPaths([declaration], 'Commented', { text: 'a', by: 'b', extra: 'new field', list: [{ deep: 'x' }] })).toEqual([
      'extra',
      'list[].deep',
    ]);
    expect(undeclaredPaths([declaration], 'Unknown', { a: 'b' })).toEqual(['(event type Unknown is not declared)']);
    const loose = { ...{ type: 'Commented' as const, data: { text: 'a', by: 'b', extra: 'Quartz secret' } } };
    await write('note-4', loose as unknown as NoteEvent, 'alice', 'c6');
    expect(json(await raw.readStream('note-4'))).not.toContain('Quartz');
    expect((await store().readStream('note-4'))[0].data).toMatchObject({ extra: 'Quartz secret' });
  });
});

// The compiler refuses a declaration that leaves a string field out (`npm run lint` type-checks specs).
declarePersonalData<Commented>({
  name: 'incomplete',
  // @ts-expect-error `by` is a string field and is not classified
  events: { Commented: { text: 'author' } },
  subjects: () => ({}),
});
