import { BeforeApplicationShutdown, Global, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { SQLITE_DB } from '../../sqlite/sqlite.module';
import { SqliteDatabase } from '../../sqlite/sqlite-database';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

const PURGE_EVERY_MS = 3600_000;

/** Idempotency keys for any POST route; expired keys are purged at start and every hour, keys in flight at start. */
@Global()
@Module({
  providers: [
    { provide: IdempotencyStore, inject: [SQLITE_DB], useFactory: (db: SqliteDatabase) => new IdempotencyStore(db) },
    IdempotencyInterceptor,
  ],
  exports: [IdempotencyStore, IdempotencyInterceptor],
})
export class IdempotencyModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    const freed = this.keys.releaseInFlight();
    if (freed > 0) new Logger('Idempotency').warn(`freed ${freed} idempotency keys of requests cut off by the last stop`);
    const purge = () => {
      const n = this.keys.purgeExpired();
      if (n > 0) new Logger('Idempotency').log(`purged ${n} expired idempotency keys`);
    };
    purge();
    this.timer = setInterval(purge, PURGE_EVERY_MS).unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
