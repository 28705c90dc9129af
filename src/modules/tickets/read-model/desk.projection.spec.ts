import { eventRecorder } from '../../../../test/support/recorded-events';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { DeskProjection, searchableText } from './desk.projection';

const recorded = eventRecorder();
const created = (id: string, title: string, description: string) =>
  recorded('TicketCreated', { id, company_id: '1', content: { title, description, attachments: [] } }, 0);

describe('DeskProjection', () => {
  const setup = () => {
    const db = openSqlite(':memory:');
    const projection = new DeskProjection();
    projection.init(db);
    const search = (q: string) =>
      (
        db
          .prepare(
            'SELECT r.ticket_id FROM rm_ticket_search s JOIN rm_ticket_search_rows r ON r.search_rowid = s.rowid WHERE rm_ticket_search MATCH ? ORDER BY r.ticket_id',
          )
          .all(q) as { ticket_id: string }[]
      ).map((r) => r.ticket_id);
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { projection, search, count };
  };

  it('indexes titles and descriptions, and re-indexes a ticket whose content changed', () => {
    const { projection, search } = setup();
    projection.apply(created('t1', 'Late delivery', '<b>Email</b>: a@b.c<br>'));
    projection.apply(created('t2', 'Refund', 'charged twice'));
    expect(search('delivery')).toEqual(['t1']);
    expect(search('email')).toEqual(['t1']);
    expect(search('charged')).toEqual(['t2']);
    projection.apply(
      recorded(
        'TicketContentChanged',
        { ticket: 't1', changed_at: 'now', content: { title: 'Lost parcel', description: '', attachments: [] } },
        3,
      ),
    );
    expect(search('delivery')).toEqual([]);
    expect(search('parcel')).toEqual(['t1']);
  });

  it('a redelivered event changes nothing', () => {
    const { projection, search, count } = setup();
    const create = created('t1', 'Late delivery', '');
    const change = recorded(
      'TicketContentChanged',
      { ticket: 't1', changed_at: 'now', content: { title: 'Lost parcel', description: '', attachments: [] } },
      2,
    );
    const feedback = recorded(
      'FeedbackSubmitted',
      { id: 'f1', ticket: 't1', company_id: '1', category: 'c', response: [], user: {}, created_at: 'now' },
      3,
    );
    for (const event of [create, change, feedback, create, change, feedback]) projection.apply(event);
    expect(count('rm_ticket_search')).toBe(1);
    expect(count('rm_ticket_search_rows')).toBe(1);
    expect(count('rm_ticket_feedback')).toBe(1);
    expect(search('parcel')).toEqual(['t1']);
    expect(search('delivery')).toEqual([]);
  });

  it('reset empties every table', () => {
    const { projection, count } = setup();
    projection.apply(created('t1', 'x', ''));
    projection.apply(
      recorded(
        'FeedbackSubmitted',
        { id: 'f1', ticket: 't1', company_id: '1', category: 'c', response: [], user: {}, created_at: 'now' },
        1,
      ),
    );
    projection.reset();
    expect([count('rm_ticket_search'), count('rm_ticket_search_rows'), count('rm_ticket_feedback')]).toEqual([0, 0, 0]);
  });

  it('searchable text drops markup and entities', () => {
    expect(searchableText('<b>Name</b>:&nbsp;Ann &amp; Bob<br>').replace(/\s+/g, ' ').trim()).toBe('Name : Ann Bob');
  });
});
