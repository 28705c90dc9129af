import { RecordedEvent } from '../src/platform/event-store/event-store.port';
import { TestApp, staffAuth, startTestApp, storefrontAuth } from './support/test-app';

const STOREFRONT = '/service/application/lead/v1.0';
const PLATFORM = '/service/platform/lead/v1.0/company';

interface Item {
  position: string;
  id: string;
  type: string;
  stream: string;
  data: Record<string, unknown>;
  tenant: { company_id: string };
}

describe('change feed (end to end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auditAnchorIntervalMs: 0 });
  });
  afterAll(async () => t.dispose());

  const page = async (company: '1' | '2', query: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `${PLATFORM}/${company}/events${query}`, headers });
  const write = async (app: 'a' | 'c', n: number) => {
    const ticket = (
      await t.app.inject({
        method: 'POST',
        url: `${STOREFRONT}/ticket/`,
        headers: storefrontAuth(app),
        payload: { category: 'x', content: { title: `t${n}` } },
      })
    ).json();
    await t.app.inject({
      method: 'POST',
      url: `${STOREFRONT}/ticket/${ticket._id}/history`,
      headers: { ...storefrontAuth(app), 'x-ticket-access-key': ticket.access_key },
      payload: { type: 'comment', value: { text: `c${n}` } },
    });
  };
  const expected = async (company: string) =>
    (await t.store.readAll())
      .filter((e: RecordedEvent) => e.metadata.tenant?.companyId === company && e.streamName.startsWith('ticket-'))
      .map((e) => e.id);

  /** Follows the feed page by page until it is at the end and `stop()` says no more writes are coming. */
  const follow = async (company: '1' | '2', headers: Record<string, string>, limit: number, stop: () => boolean) => {
    const items: Item[] = [];
    let cursor: string | null = null;
    let caughtUpWhileWriting = 0;
    for (;;) {
      // Asked before the page is read: a write that finishes while the page is in flight may not be in it.
      const writesDone = stop();
      const res = await page(company, `?limit=${limit}${cursor ? `&after=${cursor}` : ''}`, headers);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(limit);
      items.push(...body.items);
      cursor = body.next_cursor;
      if (body.end_of_stream && writesDone) return { items, cursor, caughtUpWhileWriting };
      if (body.end_of_stream) {
        caughtUpWhileWriting++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };

  it('pages through the company events while writers keep appending: no gap, no duplicate, global order', async () => {
    const staff = await staffAuth(t, 'one');
    let writing = true;
    const writers = (async () => {
      for (let i = 0; i < 20; i++) await Promise.all([write('a', i), write('c', i), write('a', 100 + i)]);
      writing = false;
    })();
    const { items, cursor, caughtUpWhileWriting } = await follow('1', staff, 7, () => !writing);
    await writers;
    // The follower reached the end of the log while writes were still coming, more than once.
    expect(caughtUpWhileWriting).toBeGreaterThan(1);
    expect(items.map((i) => i.id)).toEqual(await expected('1'));
    expect(items).toHaveLength(80);
    expect((await page('1', `?after=${cursor}`, staff)).json()).toEqual({ items: [], next_cursor: cursor, end_of_stream: true });
    // A cursor is "<position>" on the embedded stores and "<commit>-<prepare>" on EventStoreDB.
    const positions = items.map((i) => (i.position as string).split('-').map(BigInt));
    const after = (a: bigint[], b: bigint[]) => a[0] > b[0] || (a[0] === b[0] && (a[1] ?? 0n) > (b[1] ?? 0n));
    expect(positions.every((p, i) => i === 0 || after(p, positions[i - 1]))).toBe(true);
    expect(
      items.every(
        (i) => i.tenant.company_id === '1' && ['TicketCreated', 'HistoryAppended'].includes(i.type) && i.data && !('source' in i),
      ),
    ).toBe(true);

    const other = await follow('2', await staffAuth(t, 'two'), 50, () => true);
    expect(other.items.map((i) => i.id)).toEqual(await expected('2'));
    expect(other.items).toHaveLength(40);
  });

  it('resumes after the cursor of a page and says where the stream ends', async () => {
    const staff = await staffAuth(t, 'one');
    const first = (await page('1', '?limit=3', staff)).json();
    expect(first).toMatchObject({ end_of_stream: false, next_cursor: first.items[2].position });
    const second = (await page('1', `?limit=2&after=${first.next_cursor}`, staff)).json();
    const all = await expected('1');
    expect([...first.items, ...second.items].map((i: Item) => i.id)).toEqual(all.slice(0, 5));
    const last = (await page('1', `?limit=500&after=${second.next_cursor}`, staff)).json();
    expect(last.end_of_stream).toBe(true);
    const empty = (await page('1', `?after=${last.next_cursor}`, staff)).json();
    expect(empty).toEqual({ items: [], next_cursor: last.next_cursor, end_of_stream: true });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['after=abc', 'after'],
    ['after=-3', 'after'],
    ['since=4', 'since'],
  ])('refuses ?%s as a 400 problem naming %s', async (query, field) => {
    const res = await page('1', `?${query}`, await staffAuth(t, 'one'));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('is 401 without a token and 404 for another company', async () => {
    expect((await page('1', '', {})).statusCode).toBe(401);
    expect((await page('1', '', await staffAuth(t, 'two'))).statusCode).toBe(404);
  });
});
