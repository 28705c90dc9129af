import { existsSync } from 'node:fs';
import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { loadAuditKey } from './audit-key';
import { ChainKey } from './hash-chain';
import { KeyedLock } from '../command/keyed-lock';
import { SETTINGS, Settings } from '../config/settings';
import { meteredEventStore } from '../ops/metered-event-store';
import { Metrics } from '../ops/metrics';
import { tracedEventStore } from '../ops/traced-event-store';
import { SQLITE_DB } from '../sqlite/sqlite.module';
import { SqliteDatabase, openSqlite } from '../sqlite/sqlite-database';
import { EVENT_STORE, EventStore } from './event-store.port';
import { connectEventStoreDb } from './eventstoredb.event-store';
import { MemoryEventStore } from './memory.event-store';
import { SqliteEventStore } from './sqlite.event-store';
import { KeyStore, SqliteKeyStore } from '../privacy/key-store';
import { protectPersonalData } from '../privacy/protected-event-store';
import { KEY_STORE, PERSONAL_DATA_DECLARATIONS, PersonalDataDeclarations } from '../privacy/privacy.tokens';

/** Also used by the audit CLI, so it verifies whichever store the service is configured with. */
/**
 * The service's existing database and event store, for an operator's command line (audit, projections,
 * webhooks). A command must not create what it inspects: no database file means wrong settings, and it is
 * said and refused (undefined) instead of opening an empty log.
 */
export async function openExistingStore(
  settings: Settings,
  print: (line: string) => void,
): Promise<{ db: SqliteDatabase; store: EventStore; keys: KeyStore } | undefined> {
  if (!existsSync(settings.databaseFile)) {
    print(`No database at ${settings.databaseFile}; set LEAD_DATA_DIR or LEAD_DATABASE_FILE.`);
    return undefined;
  }
  // Without the keys, every sealed field would read as erased (and a rebuild would write that into the read models).
  if (!existsSync(settings.keyStoreFile)) {
    print(`No key store at ${settings.keyStoreFile}; set LEAD_KEY_STORE_PATH (docs/privacy.md).`);
    return undefined;
  }
  const db = openSqlite(settings.databaseFile);
  const keys = new SqliteKeyStore(settings.keyStoreFile);
  // Reads decrypt as the service's do; a CLI writes no events, so it needs no declarations.
  return { db, keys, store: protectPersonalData(await openEventStore(settings, db), { keys, encrypt: false }) };
}

export async function openEventStore(settings: Settings, db: SqliteDatabase): Promise<EventStore> {
  switch (settings.store) {
    case 'sqlite':
      return new SqliteEventStore(db, settings.maxAppendBytes);
    case 'memory':
      return new MemoryEventStore(settings.maxAppendBytes);
    case 'eventstoredb':
      // Fails fast, naming the connection string, when the server cannot be reached at start.
      return connectEventStoreDb(settings.eventStoreDbUrl, { maxAppendSize: settings.maxAppendBytes });
  }
}

/** Picks the event-store adapter named by LEAD_STORE; everything else sees only the port. */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [SETTINGS, SQLITE_DB, KEY_STORE, { token: Metrics, optional: true }, { token: PERSONAL_DATA_DECLARATIONS, optional: true }],
      useFactory: async (
        settings: Settings,
        db: SqliteDatabase,
        keys: KeyStore,
        metrics?: Metrics,
        declarations?: PersonalDataDeclarations,
      ) => {
        // Innermost: every reader (and the wrappers) sees decrypted events; the command path seals through it.
        const store = protectPersonalData(await openEventStore(settings, db), {
          keys,
          declarations,
          encrypt: settings.personalDataEncryption,
        });
        new Logger('EventStore').log(`event store: ${settings.store}`);
        // Appends and conflicts counted for /metrics; a span per append (a no-op unless tracing is on).
        return tracedEventStore(metrics ? meteredEventStore(store, metrics) : store, settings.store);
      },
    },
    { provide: KEY_STORE, inject: [SETTINGS], useFactory: (settings: Settings) => new SqliteKeyStore(settings.keyStoreFile) },
    KeyedLock,
    // The audit key: every command keys its events' chain links with it (scheme 2, audit/hash-chain.ts).
    { provide: ChainKey, inject: [SETTINGS], useFactory: (settings: Settings) => new ChainKey(loadAuditKey(settings, { create: true })!) },
  ],
  exports: [EVENT_STORE, KeyedLock, ChainKey, KEY_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    this.keys.close();
  }
}
