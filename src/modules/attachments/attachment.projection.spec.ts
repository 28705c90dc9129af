import { Actor, RecordedEvent } from '../../platform/event-store/event-store.port';
import { SqliteDatabase, openSqlite } from '../../platform/sqlite/sqlite-database';
import { AttachmentProjection, referencedAttachmentIds } from './attachment.projection';
import { AttachmentQueries } from './attachment.queries';
import { AttachmentUploaded } from './attachment.events';

const NOW = '2026-01-01T00:00:00.000Z';
const F1 = '11111111-1111-4111-8111-111111111111';
const F2 = '22222222-2222-4222-8222-222222222222';
const url = (id: string) => `https://lead.example/service/application/lead/v1.0/attachments/${id}`;
const staffUrl = (id: string) => `http://x/service/platform/lead/v1.0/company/1/attachments/${id}`;
let position = 0;

const event = (type: string, data: object, actor: Actor, tenant = { companyId: '1', applicationId: 'app-a' }): RecordedEvent => ({
  id: `e-${++position}`,
  streamName: 's',
  type,
  data: data as Record<string, unknown>,
  metadata: { actor, tenant },
  revision: 0n,
  position: { commit: BigInt(position), prepare: BigInt(position) },
  created: new Date(NOW),
});
const uploaded = (id: string, uploader: AttachmentUploaded['data']['uploader']) =>
  event(
    'AttachmentUploaded',
    {
      id,
      company_id: '1',
      application_id: 'app-a',
      filename: 'f',
      content_type: 'image/png',
      size: 1,
      sha256: 'x',
      uploader,
      uploaded_at: NOW,
    },
    { type: 'storefront_user', id: 'u1' },
  );
const user = (id: string): Actor => ({ type: 'storefront_user', id });
const agent: Actor = { type: 'staff_user', id: 'agent', clientId: 'c' };
const comment = (ticket: string, value: object, actor: Actor, type = 'comment') =>
  event('HistoryAppended', { id: `h-${position}`, ticket, type, value }, actor);

describe('AttachmentProjection', () => {
  let db: SqliteDatabase;
  let projection: AttachmentProjection;
  let queries: AttachmentQueries;

  beforeEach(() => {
    db = openSqlite(':memory:');
    projection = new AttachmentProjection();
    projection.init(db);
    queries = new AttachmentQueries(db);
  });
  afterEach(() => db.close());

  it('finds download URLs of this service anywhere in an event, each id once', () => {
    expect(
      referencedAttachmentIds({
        content: { attachments: [{ value: url(F1) }] },
        value: { media: [{ value: staffUrl(F1) }, { value: staffUrl(F2) }] },
      }),
    ).toEqual([F1, F2]);
    expect(referencedAttachmentIds({ value: `https://elsewhere.example/files/${F1}` })).toEqual([]);
  });

  it('links a storefront upload only through its uploader or staff', () => {
    projection.apply(uploaded(F1, { kind: 'storefront_user', user_id: 'u1' }));
    projection.apply(comment('t-other', { text: url(F1) }, user('u2')));
    expect(queries.links(F1)).toEqual([]);
    projection.apply(comment('t1', { media: [{ value: url(F1) }] }, user('u1')));
    projection.apply(comment('t2', { media: [{ value: url(F1) }] }, agent));
    projection.apply(comment('t2', { media: [{ value: url(F1) }] }, agent)); // a second reference: one link
    expect(queries.links(F1)).toEqual([
      { ticket_id: 't1', internal: false },
      { ticket_id: 't2', internal: false },
    ]);
  });

  it('marks links from internal notes, and ignores references from another company', () => {
    projection.apply(uploaded(F2, { kind: 'staff', id: 'user:agent' }));
    projection.apply(comment('t1', { text: 'x', internal: true, media: [{ value: staffUrl(F2) }] }, agent));
    projection.apply(comment('t3', { media: [{ value: staffUrl(F2) }] }, agent, 'note'));
    projection.apply(
      event('HistoryAppended', { id: 'h', ticket: 't9', type: 'comment', value: { v: staffUrl(F2) } }, agent, {
        companyId: '2',
        applicationId: 'x',
      }),
    );
    expect(queries.links(F2)).toEqual([
      { ticket_id: 't1', internal: true },
      { ticket_id: 't3', internal: true },
    ]);
  });

  it('links a ticket created with the file, and no longer links a deleted file', () => {
    projection.apply(uploaded(F1, { kind: 'anonymous', access_key_sha256: 'h' }));
    projection.apply(
      event(
        'TicketCreated',
        { id: 't1', company_id: '1', content: { attachments: [{ value: url(F1), type: 'image' }] } },
        { type: 'application', id: 'app-a' },
      ),
    );
    expect(queries.links(F1)).toEqual([{ ticket_id: 't1', internal: false }]);
    projection.apply(event('AttachmentDeleted', { id: F1, reason: 'erasure', deleted_at: NOW }, { type: 'system', id: 'x' }));
    projection.apply(comment('t2', { media: [{ value: url(F1) }] }, agent));
    expect(queries.links(F1)).toEqual([{ ticket_id: 't1', internal: false }]);
    expect(queries.find(F1)?.deleted_at).toBe(NOW);
  });
});
