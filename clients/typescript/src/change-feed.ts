import type { LeadClient } from './client';
import { LeadApiError } from './errors';
import type { components } from './schema';

export type ChangeFeedItem = components['schemas']['ChangeFeedItem'];
export type ChangeFeedPage = components['schemas']['ChangeFeedPage'];

export interface ChangeFeedOptions {
  companyId: string;
  /** Where to resume: a page's `next_cursor` or the `position` of the last item handled; omit to start at the beginning. */
  after?: string | null;
  /** Items per page, 1-500 (the service's default is 100). */
  limit?: number;
  /** Keep polling at the end of the log instead of stopping there. */
  follow?: boolean;
  /** Wait between polls at the end of the log (default 1000 ms). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * The pages of a company's change feed (`GET .../company/{company_id}/events`), each read strictly after the
 * previous page's cursor. Stops after the page that reaches the end of the log, unless `follow`. A page may
 * be short or empty with `end_of_stream: false` (the service skipped other companies' events): that is not
 * the end, the next page goes on from its cursor.
 */
export async function* changeFeedPages(client: LeadClient, options: ChangeFeedOptions): AsyncGenerator<ChangeFeedPage> {
  let after = options.after ?? null;
  while (!options.signal?.aborted) {
    const { data, error, response } = await client.GET('/service/platform/lead/v1.0/company/{company_id}/events', {
      params: { path: { company_id: options.companyId }, query: { ...(after === null ? {} : { after }), limit: options.limit } },
      signal: options.signal,
    });
    if (!data) throw new LeadApiError(response.status, (error as Record<string, unknown>) ?? {});
    yield data;
    // null: nothing has been read yet (an empty log); keep asking from the beginning.
    after = data.next_cursor ?? after;
    if (data.end_of_stream) {
      if (!options.follow) return;
      await sleep(options.pollIntervalMs ?? 1000, options.signal);
    }
  }
}

/**
 * The items of the change feed, one by one, in global order. To resume after a restart, store the
 * `position` of the last item handled and pass it as `after`: positions are cursors.
 */
export async function* changeFeed(client: LeadClient, options: ChangeFeedOptions): AsyncGenerator<ChangeFeedItem> {
  for await (const page of changeFeedPages(client, options)) yield* page.items;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done(); // an abort that already happened fires no event
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}
