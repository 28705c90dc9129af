import { openSqlite } from '../../../platform/sqlite/sqlite-database';
import { DeskQueries } from './desk.queries';
import { TicketProjection } from './ticket.projection';

describe('DeskQueries filters', () => {
  it("names each category with its first ticket's display, reading a ticket document once per category", () => {
    const db = openSqlite(':memory:');
    new TicketProjection().init(db);
    const ticket = (id: string, number: number, category: string, display: string) => {
      db.prepare(
        `INSERT INTO rm_tickets (id, company_id, application_id, number, revision, status, priority, category, created_at, updated_at, doc)
         VALUES (?, '1', 'app', ?, 0, 'pending', 'low', ?, 'now', 'now', ?)`,
      ).run(id, number, category, JSON.stringify({ _id: id, category: { key: category, display } }));
      db.prepare(
        `INSERT INTO rm_ticket_counts (company_id, application_id, status, priority, category, assigned_to, n) VALUES ('1', 'app', 'pending', 'low', ?, '', 1)
         ON CONFLICT DO UPDATE SET n = n + 1`,
      ).run(category);
    };
    ticket('t1', 1, 'returns', 'Returns form');
    ticket('t2', 2, 'returns', 'Returns (renamed)');
    ticket('t3', 3, 'order-issue', 'Order issue');
    const queries = new DeskQueries(db);
    const categories = () => queries.filters({ companyId: '1' }, []).categories;
    expect(categories()).toEqual([
      { key: 'order-issue', display: 'Order issue' },
      { key: 'returns', display: 'Returns form' },
    ]);

    // Not read again: a document changed under it (which the projection never does to a category's first
    // ticket's display) shows that the second list did not look it up.
    db.prepare(`UPDATE rm_tickets SET doc = json_set(doc, '$.category.display', 'changed') WHERE id = 't1'`).run();
    expect(categories()).toEqual([
      { key: 'order-issue', display: 'Order issue' },
      { key: 'returns', display: 'Returns form' },
    ]);
    ticket('t4', 4, 'shipping', 'Shipping');
    expect(categories()).toContainEqual({ key: 'shipping', display: 'Shipping' });
    expect(queries.filters({ companyId: '2' }, []).categories).toEqual([]);
  });
});
