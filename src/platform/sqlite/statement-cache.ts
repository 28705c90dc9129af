import type { Statement } from 'better-sqlite3';
import { SqliteDatabase } from './sqlite-database';

/**
 * Prepares each distinct SQL text once. Query services cannot prepare in their constructor (the tables are
 * created later, when projections start), and preparing on every request costs more than running a lookup.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  get<Params extends unknown[] | {} = unknown[], Row = unknown>(sql: string): Statement<Params, Row> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement as unknown as Statement<Params, Row>;
  }
}
