/** Cost of one chain link, unkeyed (scheme 1) vs keyed (scheme 2): what keying adds to each appended event. */
import { eventHash, keyedEventHash, GENESIS_HASH } from '../src/platform/event-store/hash-chain';
const key = Buffer.from('x'.repeat(48));
const ev = {
  streamName: 'ticket-6b06ebe45bd1f6d8a1fd3ab1',
  revision: 3n,
  id: '85b4c0c2-1d3f-4c1e-9a56-0e7d1f3b9c11',
  type: 'HistoryAppended',
  data: {
    id: '6b06ebe45bd1f6d8a1fd3ab2',
    type: 'comment',
    value: { text: 'Any news on my order? '.repeat(5), media: [] },
    created_by: { id: 'alice', user_type: 'user' },
    created_at: '2026-11-25T14:08:36.748Z',
  },
  metadata: {
    occurredAt: '2026-11-25T14:08:36.748Z',
    actor: { type: 'storefront_user', id: 'alice' },
    tenant: { companyId: '1', applicationId: '6b06ebde5bd1f6d8a1fd3aaf' },
    correlationId: 'chat-42',
    causationId: 'f234',
    source: { user_agent: 'curl/7.88.1', ip: '127.0.0.1' },
    hashScheme: 2,
  },
};
const N = 100000;
for (const [name, f] of [
  ['sha256 (scheme 1)', () => eventHash(GENESIS_HASH, ev)],
  ['hmac-sha256 (scheme 2)', () => keyedEventHash(key, GENESIS_HASH, ev)],
] as const) {
  for (let i = 0; i < 5000; i++) f();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f();
  const us = Number(process.hrtime.bigint() - t) / 1000 / N;
  console.log(`${name}: ${us.toFixed(2)} us per link`);
}
