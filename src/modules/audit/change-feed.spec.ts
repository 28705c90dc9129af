import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { ChangeFeed, MAX_SCAN } from './change-feed';

describe('ChangeFeed', () => {
  it('reads past at most MAX_SCAN events of others per page, still moving the cursor on', async () => {
    const store = new MemoryEventStore();
    const others = Array.from({ length: MAX_SCAN + 10 }, (_, i) => ({ type: 'T', data: { i }, metadata: { tenant: { companyId: '2' } } }));
    await store.append('ticket-other', others, { expectedRevision: 'no_stream' });
    await store.append('ticket-mine', [{ type: 'T', data: {}, metadata: { tenant: { companyId: '1' } } }], {
      expectedRevision: 'no_stream',
    });
    await store.append('form-mine', [{ type: 'T', data: {}, metadata: { tenant: { companyId: '1' } } }], { expectedRevision: 'no_stream' });
    const feed = new ChangeFeed(store);

    const first = await feed.page('1', undefined, 100);
    expect(first).toEqual({ items: [], next_cursor: String(MAX_SCAN - 1), end_of_stream: false });
    const second = await feed.page('1', { commit: BigInt(first.next_cursor!), prepare: BigInt(first.next_cursor!) }, 100);
    // Only ticket-related streams of the caller's company: not company 2's, not a form definition stream.
    expect(second.items.map((i) => i.stream)).toEqual(['ticket-mine']);
    expect(second).toMatchObject({ next_cursor: String(MAX_SCAN + 11), end_of_stream: true });
  });

  it('starts with a null cursor on an empty log', async () => {
    expect(await new ChangeFeed(new MemoryEventStore()).page('1', undefined, 10)).toEqual({
      items: [],
      next_cursor: null,
      end_of_stream: true,
    });
  });

  it("leaves internal-only fields out: an anonymous ticket's access-key hash, the caller's address, the chain hash", async () => {
    const store = new MemoryEventStore();
    const metadata = { tenant: { companyId: '1' }, source: { ip: '203.0.113.9' }, hash: 'abc' };
    await store.append('ticket-x', [{ type: 'TicketCreated', data: { title: 't', access_key_sha256: 'f'.repeat(64) }, metadata }], {
      expectedRevision: 'no_stream',
    });
    const [item] = (await new ChangeFeed(store).page('1', undefined, 10)).items;
    expect(item.data).toEqual({ title: 't' });
    expect(item).not.toHaveProperty('source');
    expect(item).not.toHaveProperty('hash');
  });

  it('leaves internal notes out (staff only), moving the cursor past them; comments stay', async () => {
    const store = new MemoryEventStore();
    const metadata = { tenant: { companyId: '1' } };
    const entry = (type: string) => ({ type: 'HistoryAppended', data: { id: type, ticket: 'x', type, value: { text: type } }, metadata });
    await store.append('ticket-x', [entry('comment'), entry('note'), entry('comment')], { expectedRevision: 'no_stream' });
    const page = await new ChangeFeed(store).page('1', undefined, 10);
    expect(page.items.map((i) => i.revision)).toEqual([0, 2]);
    expect(page.items.map((i) => (i.data as { type: string }).type)).toEqual(['comment', 'comment']);
    expect(page.next_cursor).toBe(String((await store.lastPosition())!.commit));
  });
});
