import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { SETTINGS, Settings } from '../config/settings';
import { SqliteDatabase, openSqlite } from './sqlite-database';

export const SQLITE_DB = Symbol('SQLITE_DB');

/** The local SQLite file: read models and checkpoints always, the event log too when store=sqlite. */
@Global()
@Module({
  providers: [{ provide: SQLITE_DB, inject: [SETTINGS], useFactory: (s: Settings) => openSqlite(s.databaseFile) }],
  exports: [SQLITE_DB],
})
export class SqliteModule implements OnApplicationShutdown {
  constructor(@Inject(SQLITE_DB) private readonly db: SqliteDatabase) {}

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}
