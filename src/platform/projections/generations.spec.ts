import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { liveNames, promoteGeneration, renamingDatabase, shadowNames } from './generations';
import { Projection } from './projection';

const projection = { name: 'p', version: 1, tables: ['rm_tickets', 'rm_ticket_history'] } as unknown as Projection;
const objects = (db: SqliteDatabase) =>
  db
    .prepare<[], { type: string; name: string; tbl: string }>(
      `SELECT type, name, tbl_name AS tbl FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name`,
    )
    .all();

describe('generations of a read model', () => {
  let db: SqliteDatabase;
  beforeEach(() => {
    db = openSqlite(':memory:');
    db.exec(`CREATE TABLE rm_tickets (id TEXT PRIMARY KEY, company TEXT); CREATE INDEX rm_tickets_company ON rm_tickets (company);
      CREATE TABLE rm_ticket_history (id TEXT PRIMARY KEY, ticket TEXT); INSERT INTO rm_tickets VALUES ('old', '1');`);
  });
  afterEach(() => db.close());

  it('renames whole identifiers only, in prepare and exec alike', () => {
    const shadow = renamingDatabase(db, shadowNames(db, projection, 2));
    shadow.exec(`CREATE TABLE IF NOT EXISTS rm_tickets (id TEXT PRIMARY KEY, company TEXT);
      CREATE INDEX IF NOT EXISTS rm_tickets_company ON rm_tickets (company);
      CREATE TABLE IF NOT EXISTS rm_ticket_history (id TEXT PRIMARY KEY, ticket TEXT)`);
    shadow.prepare(`INSERT INTO rm_tickets (id, company) VALUES ('new', '1')`).run();
    // `rm_tickets.id` is renamed (qualified column); `rm_tickets` inside `rm_tickets_company` is not.
    expect(shadow.prepare('SELECT rm_tickets.id FROM rm_tickets').all()).toEqual([{ id: 'new' }]);
    expect(db.prepare('SELECT id FROM rm_tickets').all()).toEqual([{ id: 'old' }]);
    // String literals are data, not names; double-quoted identifiers are names.
    expect(shadow.prepare(`SELECT 'rm_tickets' AS s, 'it''s rm_tickets' AS t, count(*) AS n FROM "rm_tickets"`).get()).toEqual({
      s: 'rm_tickets',
      t: "it's rm_tickets",
      n: 1,
    });
    expect(objects(db)).toEqual([
      { type: 'index', name: 'rm_tickets_company', tbl: 'rm_tickets' },
      { type: 'index', name: 'rm_tickets_company__g2', tbl: 'rm_tickets__g2' },
      { type: 'table', name: 'rm_ticket_history', tbl: 'rm_ticket_history' },
      { type: 'table', name: 'rm_ticket_history__g2', tbl: 'rm_ticket_history__g2' },
      { type: 'table', name: 'rm_tickets', tbl: 'rm_tickets' },
      { type: 'table', name: 'rm_tickets__g2', tbl: 'rm_tickets__g2' },
    ]);
  });

  it('promotes a generation in one step; the live handle then finds its index under the suffixed name', () => {
    const shadow = renamingDatabase(db, shadowNames(db, projection, 2));
    shadow.exec(`CREATE TABLE rm_tickets (id TEXT PRIMARY KEY, company TEXT); CREATE INDEX rm_tickets_company ON rm_tickets (company);
      CREATE TABLE rm_ticket_history (id TEXT PRIMARY KEY, ticket TEXT); INSERT INTO rm_tickets VALUES ('new', '1')`);
    db.transaction(() => promoteGeneration(db, projection, 2))();
    expect(db.prepare('SELECT id FROM rm_tickets').all()).toEqual([{ id: 'new' }]);
    expect(objects(db).map((o) => o.name)).toEqual(['rm_tickets_company__g2', 'rm_ticket_history', 'rm_tickets']);
    expect(liveNames(db, projection)).toEqual(new Map([['rm_tickets_company', 'rm_tickets_company__g2']]));
    // The projection's `CREATE INDEX IF NOT EXISTS rm_tickets_company` is then a no-op, not a second index.
    renamingDatabase(db, liveNames(db, projection)).exec('CREATE INDEX IF NOT EXISTS rm_tickets_company ON rm_tickets (company)');
    expect(objects(db).filter((o) => o.type === 'index')).toHaveLength(1);
    // And the next generation's names do not collide with it.
    expect(shadowNames(db, projection, 3).get('rm_tickets_company')).toBe('rm_tickets_company__g3');
  });
});
