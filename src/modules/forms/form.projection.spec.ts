import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { openSqlite } from '../../platform/sqlite/sqlite-database';
import { formCreated } from '../../../test/support/form-fixtures';
import { FormEvent } from './form.events';
import { FormProjection } from './form.projection';
import { FormQueries } from './form.queries';

const STREAM = 'form-app-a-contact';
const recorded = (event: { type: string; data: object }, revision: number, position: number, stream = STREAM): RecordedEvent => ({
  id: `e-${position}`,
  streamName: stream,
  type: event.type,
  data: event.data as Record<string, unknown>,
  metadata: {},
  revision: BigInt(revision),
  position: { commit: BigInt(position), prepare: BigInt(position) },
  created: new Date(),
});
const submitted: FormEvent = {
  type: 'FormSubmitted',
  data: {
    response_id: 'r1',
    ticket_id: 't1',
    form_id: 'f1',
    response: [{ key: 'name', value: 'Ann' }],
    attachments: [],
    created_by: {},
    created_on: { user_agent: 'ua' },
    created_at: '2026-01-02T00:00:00.000Z',
  },
};
const ticketCreated = { type: 'TicketCreated', data: { id: 't1', response_id: 'r1' } };

describe('FormProjection', () => {
  const setup = () => {
    const db = openSqlite(':memory:');
    const projection = new FormProjection();
    projection.init(db);
    return { db, projection, queries: new FormQueries(db) };
  };

  it('serves the form, hides it once deleted, and shows a re-created one', () => {
    const { projection, queries } = setup();
    projection.apply(recorded(formCreated(), 0, 1));
    expect(queries.findForm('app-a', 'contact')).toMatchObject({ _id: 'f1', title: 'Contact us', priority: { key: 'high' } });
    projection.apply(recorded({ type: 'FormDeleted', data: { id: 'f1', deleted_by: 's', deleted_at: 'x' } }, 1, 2));
    expect(queries.findForm('app-a', 'contact')).toBeUndefined();
    expect(queries.listForms('app-a', 10, 0)).toEqual({ items: [], total: 0 });
    projection.apply(recorded(formCreated({ id: 'f2' }), 2, 3));
    expect(queries.findForm('app-a', 'contact')?._id).toBe('f2');
  });

  it('lists a stored response as pending until its TicketCreated is seen', () => {
    const { projection, queries } = setup();
    projection.apply(recorded(formCreated(), 0, 1));
    projection.apply(recorded(submitted, 1, 2));
    expect(queries.pendingTickets('9999', 10)).toEqual([{ id: 'r1', ticket_id: 't1', stream: STREAM, revision: 1 }]);
    expect(queries.findResponse('r1')).toMatchObject({ _id: 'r1', form_slug: 'contact', ticket_id: 't1', ticket_opened: false });
    projection.apply(recorded(ticketCreated, 0, 3, 'ticket-t1'));
    expect(queries.pendingTickets('9999', 10)).toEqual([]);
    expect(queries.findResponse('r1')?.ticket_opened).toBe(true);
  });

  it('a redelivered event changes nothing', () => {
    const { db, projection } = setup();
    const events = [recorded(formCreated(), 0, 1), recorded(submitted, 1, 2), recorded(ticketCreated, 0, 3, 'ticket-t1')];
    events.forEach((e) => projection.apply(e));
    const snapshot = () => [db.prepare('SELECT * FROM rm_forms').all(), db.prepare('SELECT * FROM rm_form_responses').all()];
    const before = snapshot();
    events.forEach((e) => projection.apply(e));
    expect(snapshot()).toEqual(before);
    expect(JSON.parse((db.prepare('SELECT state FROM rm_forms').get() as { state: string }).state).submissions).toBe(1);
  });
});
