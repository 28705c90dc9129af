import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { TicketsModule } from '../tickets/tickets.module';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { AnchorLedger } from './anchor-ledger';
import { AuditAnchorer } from './audit-anchorer';
import { loadAuditKey } from './audit-key';
import { AuditController } from './audit.controller';
import { ChangeFeed } from './change-feed';
import { TicketAuditService } from './ticket-audit.service';

/** Audit: verified ticket timelines, keyed anchors of the log, the company change feed (docs/audit.md). */
@Module({
  imports: [AuthModule, TicketsModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AnchorLedger,
      inject: [SQLITE_DB, SETTINGS],
      useFactory: (db: SqliteDatabase, settings: Settings) => new AnchorLedger(db, loadAuditKey(settings, { create: true })),
    },
    AuditAnchorer,
    TicketAuditService,
    ChangeFeed,
  ],
  exports: [AnchorLedger, AuditAnchorer],
})
export class AuditModule {}
