import { SqliteDatabase } from '../sqlite/sqlite-database';
import { Projection } from './projection';

/**
 * Generations of a read model. The live generation's tables have the plain names the queries use; a new
 * generation is built beside it under `<table>__g<N>`, then one transaction drops the live tables and renames
 * the new ones (docs/operations.md "Blue/green rebuilds"). Index names cannot be renamed in SQLite, so an index keeps the
 * suffix of the generation that built it, which also keeps index names unique across generations.
 */

const SUFFIX = /__g\d+$/;

export const generationName = (name: string, generation: number): string => `${name}__g${generation}`;

/** Refuses, with a message for the projection's author, a projection the runner cannot build blue/green. */
export function assertDeclaresTables(projection: Projection): void {
  const tables = (projection as { tables?: unknown }).tables;
  if (!Array.isArray(tables) || tables.length === 0 || !tables.every((t) => typeof t === 'string' && /^\w+$/.test(t))) {
    throw new Error(
      `Projection "${projection.name}" does not declare its tables: add \`readonly tables = ['rm_…', …]\` listing every ` +
        `table its init() creates, so that a new version can be built beside the live one (src/platform/projections/projection.ts).`,
    );
  }
}

/** The indexes (created by SQL, not the implicit ones) now on the live tables, by name without a generation suffix. */
function liveIndexes(db: SqliteDatabase, projection: Projection): Map<string, string> {
  const placeholders = projection.tables.map(() => '?').join(', ');
  const rows = db
    .prepare<string[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${placeholders})`,
    )
    .all(...projection.tables);
  return new Map(rows.map((r) => [r.name.replace(SUFFIX, ''), r.name]));
}

/** Plain name -> name in the live generation: the tables keep theirs; indexes carry their generation's suffix. */
export function liveNames(db: SqliteDatabase, projection: Projection): Map<string, string> {
  return new Map([...liveIndexes(db, projection)].filter(([base, actual]) => base !== actual));
}

/** Plain name -> name in generation N being built: every declared name and every live index gets the suffix. */
export function shadowNames(db: SqliteDatabase, projection: Projection, generation: number): Map<string, string> {
  const names = new Set([...projection.tables, ...liveIndexes(db, projection).keys()]);
  return new Map([...names].map((name) => [name, generationName(name, generation)]));
}

/**
 * A handle on the same connection whose `prepare` and `exec` rewrite the given identifiers (whole words
 * only: `rm_tickets` is not touched inside `rm_tickets_company`, nor inside a '…' string literal).
 * Everything else passes through.
 */
export function renamingDatabase(db: SqliteDatabase, names: Map<string, string>): SqliteDatabase {
  if (names.size === 0) return db;
  // String literals are matched first and kept as they are: `'$.rm_tickets'` in a JSON path is not a name.
  const pattern = new RegExp(`'(?:[^']|'')*'|\\b(${[...names.keys()].sort((a, b) => b.length - a.length).join('|')})\\b`, 'g');
  const rename = (sql: string) => sql.replace(pattern, (match, name?: string) => (name ? (names.get(name) ?? name) : match));
  const handle: SqliteDatabase = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => target.prepare(rename(sql));
      if (property === 'exec') return (sql: string) => (target.exec(rename(sql)), handle);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return handle;
}

const exists = (db: SqliteDatabase, table: string) =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;

/** Drops whatever generation N of the projection left (an abandoned or outdated build). Its indexes go with it. */
export function dropGeneration(db: SqliteDatabase, projection: Projection, generation: number): void {
  for (const table of projection.tables) db.exec(`DROP TABLE IF EXISTS "${generationName(table, generation)}"`);
}

/** Call inside a transaction: the live tables are replaced by generation N's, in one commit. */
export function promoteGeneration(db: SqliteDatabase, projection: Projection, generation: number): void {
  for (const table of projection.tables) {
    const built = generationName(table, generation);
    if (!exists(db, built)) continue;
    db.exec(`DROP TABLE IF EXISTS "${table}"`);
    db.exec(`ALTER TABLE "${built}" RENAME TO "${table}"`);
  }
}
