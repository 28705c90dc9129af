import { eventRecorder, ticketCreatedData } from '../../../../test/support/recorded-events';
import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { TicketProjection } from './ticket.projection';

const recorded = eventRecorder();
const created = (id: string, company: string, position: number) =>
  recorded('TicketCreated', ticketCreatedData({ id, company_id: company }), 0, position);

describe('TicketProjection', () => {
  const setup = () => {
    const db = openSqlite(':memory:');
    const projection = new TicketProjection();
    projection.init(db);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { db, projection, count };
  };

  it('numbers tickets per company in log order', () => {
    const { db, projection } = setup();
    projection.apply(created('a', '1', 1));
    projection.apply(created('b', '2', 2));
    projection.apply(created('c', '1', 3));
    const numbers = db.prepare('SELECT id, number FROM rm_tickets ORDER BY id').all();
    expect(numbers).toEqual([
      { id: 'a', number: 1 },
      { id: 'b', number: 1 },
      { id: 'c', number: 2 },
    ]);
  });

  it('a redelivered event changes nothing', () => {
    const { projection, count, db } = setup();
    const create = created('a', '1', 1);
    const history = recorded(
      'HistoryAppended',
      { id: 'h1', ticket: 'a', type: 'comment', value: { text: 'x' }, created_by: {}, created_on: { user_agent: 'ua' }, created_at: 'now' },
      1,
      2,
    );
    projection.apply(create);
    projection.apply(history);
    const before = db.prepare('SELECT * FROM rm_tickets').all();
    projection.apply(create);
    projection.apply(history);
    expect(count('SELECT count(*) AS n FROM rm_tickets')).toBe(1);
    expect(count('SELECT last_number AS n FROM rm_ticket_counters')).toBe(1);
    expect(count('SELECT count(*) AS n FROM rm_ticket_history')).toBe(1);
    expect(db.prepare('SELECT * FROM rm_tickets').all()).toEqual(before);
  });
});
