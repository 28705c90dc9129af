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

  it('numbers tickets written before numbers were recorded (no ticket_id) per company in log order', () => {
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

  it('uses the number recorded in TicketCreated, whatever came before it in the log', () => {
    const { db, projection } = setup();
    projection.apply(recorded('TicketCreated', ticketCreatedData({ id: 'a', company_id: '1', ticket_id: '7' }), 0, 1));
    projection.apply(recorded('TicketCreated', ticketCreatedData({ id: 'b', company_id: '1', ticket_id: '9' }), 0, 2));
    const rows = db.prepare('SELECT id, number, doc FROM rm_tickets ORDER BY id').all() as { id: string; number: number; doc: string }[];
    expect(rows.map((r) => [r.id, r.number, JSON.parse(r.doc).ticket_id])).toEqual([
      ['a', 7, '7'],
      ['b', 9, '9'],
    ]);
  });

  it('a migration record sets the numbers older tickets were given, even where a deleted ticket shifted the log-order count', () => {
    const { db, projection } = setup();
    // The log as a reader sees it after ticket 'b' (number 2) was deleted: 'c' would be counted 2.
    projection.apply(created('a', '1', 1));
    projection.apply(created('c', '1', 3));
    projection.apply(
      recorded(
        'HistoryAppended',
        {
          id: 'h1',
          ticket: 'c',
          type: 'comment',
          value: { text: 'x' },
          created_by: {},
          created_on: { user_agent: 'ua' },
          created_at: 'now',
        },
        1,
        4,
      ),
    );
    const numbers = () => db.prepare('SELECT id, number FROM rm_tickets ORDER BY id').all();
    expect(numbers()).toEqual([
      { id: 'a', number: 1 },
      { id: 'c', number: 2 },
    ]);
    const tickets = [
      { id: 'a', ticket_id: '1' },
      { id: 'b', ticket_id: '2' },
      { id: 'c', ticket_id: '3' },
    ];
    projection.apply(recorded('TicketNumbersMigrated', { company_id: '1', tickets, last: 3 }, 0, 5));
    expect(numbers()).toEqual([
      { id: 'a', number: 1 },
      { id: 'c', number: 3 },
    ]);
    const doc = (sql: string) => JSON.parse((db.prepare(sql).get() as { doc: string }).doc);
    expect(doc("SELECT doc FROM rm_tickets WHERE id = 'c'").ticket_id).toBe('3');
    expect(doc("SELECT doc FROM rm_ticket_history WHERE id = 'h1'").ticket_id).toBe('3');
    // Applied again (redelivered), nothing moves.
    projection.apply(recorded('TicketNumbersMigrated', { company_id: '1', tickets, last: 3 }, 0, 5));
    expect(numbers()).toEqual([
      { id: 'a', number: 1 },
      { id: 'c', number: 3 },
    ]);
  });
});
