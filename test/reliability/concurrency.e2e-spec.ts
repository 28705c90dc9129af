import { TestApp, startTestApp, staffAuth, storefrontAuth } from '../support/test-app';

const SHOP = '/service/application/lead/v1.0';
const COMPANY = '/service/platform/lead/v1.0/company/1';

describe('concurrent writers on one ticket (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one', 'agent-1');
  });
  afterAll(async () => t.dispose());

  const open = async (title: string): Promise<string> => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${SHOP}/ticket/`,
      headers: storefrontAuth('a', 'user-1'),
      payload: { category: 'race', content: { title } },
    });
    expect(res.statusCode).toBe(201);
    return res.json()._id;
  };

  it('500 concurrent history appends all land, in one order: the log, the revisions and the history list agree', async () => {
    const id = await open('Five hundred comments');
    const texts = Array.from({ length: 500 }, (_, i) => `comment ${i}`);
    const answers = await Promise.all(
      texts.map((text, i) =>
        t.app.inject({
          method: 'POST',
          url: i % 2 ? `${SHOP}/ticket/${id}/history` : `${COMPANY}/ticket/${id}/history`,
          headers: i % 2 ? storefrontAuth('a', 'user-1') : staff,
          payload: { type: 'comment', value: { text, media: [] } },
        }),
      ),
    );
    expect(answers.filter((r) => r.statusCode !== 201).map((r) => r.body)).toEqual([]);

    const stream = await t.store.readStream(`ticket-${id}`);
    expect(stream.map((e) => Number(e.revision))).toEqual(Array.from({ length: 501 }, (_, i) => i));
    const appended = stream.filter((e) => e.type === 'HistoryAppended');
    expect(appended.map((e) => (e.data.value as { text: string }).text).sort()).toEqual([...texts].sort());
    // Each answer names the entry it wrote, and no two answers name the same one.
    expect(new Set(answers.map((r) => r.json()._id)).size).toBe(500);

    const listed: string[] = [];
    for (let page = 1; page <= 5; page++) {
      const res = await t.app.inject({
        method: 'GET',
        url: `${COMPANY}/ticket/${id}/history?page_no=${page}&page_size=100`,
        headers: staff,
      });
      listed.push(...res.json().items.map((h: { _id: string }) => h._id));
    }
    expect(listed).toEqual(appended.map((e) => e.data.id));
  });

  it('concurrent edits with the same If-Match: exactly one wins each revision, the others are 412 and change nothing', async () => {
    const id = await open('Contested');
    for (let round = 0; round < 4; round++) {
      const current = await t.app.inject({ method: 'GET', url: `${COMPANY}/ticket/${id}`, headers: staff });
      const etag = current.headers.etag as string;
      const before = (await t.store.readStream(`ticket-${id}`)).length;
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          t.app.inject({
            method: 'PUT',
            url: `${COMPANY}/ticket/${id}`,
            headers: { ...staff, 'if-match': etag },
            payload: { tags: [`round-${round}-editor-${i}`] },
          }),
        ),
      );
      const won = answers.filter((r) => r.statusCode === 200);
      const refused = answers.filter((r) => r.statusCode === 412);
      expect([won.length, refused.length]).toEqual([1, 7]);
      for (const r of refused) {
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.json().current_etag).toBe(won[0].headers.etag);
      }
      // The winner's edit: its tags change and one diff entry, nothing from the refused ones.
      const after = await t.store.readStream(`ticket-${id}`);
      expect(after.slice(before).map((e) => e.type)).toEqual(['TicketTagsChanged', 'HistoryAppended']);
      expect(after[after.length - 2].data.tags).toEqual(won[0].json().tags);
    }
  });
});
