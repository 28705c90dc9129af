import { changeFeed, changeFeedPages, ChangeFeedItem } from './change-feed';
import { createLeadClient } from './client';
import { LeadApiError } from './errors';

const item = (position: number): ChangeFeedItem => ({
  position: String(position),
  stream: 'ticket-1',
  revision: position,
  id: `e${position}`,
  type: 'TicketCreated',
  data: {},
  occurred_at: null,
  recorded_at: '2026-11-30T00:00:00.000Z',
  actor: null,
  tenant: null,
  correlation_id: null,
  causation_id: null,
});

/** A feed of scripted pages; records the query of every request. */
function fakeFeed(pages: Array<{ items: number[]; next_cursor: string | null; end_of_stream: boolean } | { status: number }>) {
  const queries: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    expect(url.pathname).toBe('/service/platform/lead/v1.0/company/7/events');
    queries.push(url.search);
    const page = pages.shift();
    if (!page) throw new Error('no more scripted pages');
    if ('status' in page)
      return Response.json({ type: 'urn:lead:problem:x', status: page.status, title: 'T', detail: 'refused' }, { status: page.status });
    return Response.json({ ...page, items: page.items.map(item) });
  };
  return { client: createLeadClient({ baseUrl: 'http://lead.test', fetch }), queries };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('changeFeed', () => {
  it('follows next_cursor page by page, through a short page that is not the end, and stops at the end', async () => {
    const { client, queries } = fakeFeed([
      { items: [1, 2], next_cursor: '2', end_of_stream: false },
      { items: [], next_cursor: '5002', end_of_stream: false }, // only other companies' events were scanned
      { items: [5003], next_cursor: '5003', end_of_stream: true },
    ]);
    const items = await collect(changeFeed(client, { companyId: '7', limit: 2 }));
    expect(items.map((i) => i.position)).toEqual(['1', '2', '5003']);
    expect(queries).toEqual(['?limit=2', '?after=2&limit=2', '?after=5002&limit=2']);
  });

  it('resumes after a given cursor; an empty log (cursor null) ends without an `after`', async () => {
    const { client, queries } = fakeFeed([{ items: [], next_cursor: null, end_of_stream: true }]);
    expect(await collect(changeFeed(client, { companyId: '7', after: '41' }))).toEqual([]);
    const empty = fakeFeed([{ items: [], next_cursor: null, end_of_stream: true }]);
    await collect(changeFeed(empty.client, { companyId: '7' }));
    expect([...queries, ...empty.queries]).toEqual(['?after=41', '']);
  });

  it('follow: polls again from the same cursor at the end of the log until aborted', async () => {
    const { client, queries } = fakeFeed([
      { items: [1], next_cursor: '1', end_of_stream: true },
      { items: [], next_cursor: '1', end_of_stream: true },
      { items: [2], next_cursor: '2', end_of_stream: true },
    ]);
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const event of changeFeed(client, { companyId: '7', follow: true, pollIntervalMs: 1, signal: stop.signal })) {
      seen.push(event.position);
      if (event.position === '2') stop.abort();
    }
    expect(seen).toEqual(['1', '2']);
    expect(queries).toEqual(['', '?after=1', '?after=1']);
  });

  it('follow: an abort ends the wait at the end of the log at once', async () => {
    const { client } = fakeFeed([{ items: [1], next_cursor: '1', end_of_stream: true }]);
    const stop = new AbortController();
    for await (const event of changeFeed(client, { companyId: '7', follow: true, pollIntervalMs: 60_000, signal: stop.signal })) {
      if (event.position === '1') stop.abort();
    }
    // Reaching here at all is the check: a wait that ignored the abort would sleep the 60 s past this test's timeout.
    expect(stop.signal.aborted).toBe(true);
  }, 10_000);

  it('a refused page throws a LeadApiError with the problem document', async () => {
    const { client } = fakeFeed([{ status: 400 }]);
    const pages = changeFeedPages(client, { companyId: '7', after: 'nope' });
    await expect(pages.next()).rejects.toEqual(
      expect.objectContaining({ status: 400, problem: expect.objectContaining({ detail: 'refused' }) }),
    );
    await expect(changeFeedPages(fakeFeed([{ status: 401 }]).client, { companyId: '7' }).next()).rejects.toBeInstanceOf(LeadApiError);
  });
});
