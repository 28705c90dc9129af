import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { TicketsModule } from '../tickets/tickets.module';
import { SQLITE_DB } from '../../platform/sqlite/sqlite.module';
import { SqliteDatabase } from '../../platform/sqlite/sqlite-database';
import { AnchorLedger } from './anchor-ledger';
import { AuditAnchorer } from './audit-anchorer';
import { AuditController } from './audit.controller';
import { ChangeFeed } from './change-feed';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { TicketAuditService } from './ticket-audit.service';

/** Audit: verified ticket timelines, keyed anchors of the log, the company change feed (docs/audit.md). */
@Module({
  imports: [AuthModule, TicketsModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AnchorLedger,
      inject: [SQLITE_DB, ChainKey],
      useFactory: (db: SqliteDatabase, chain: ChainKey) => new AnchorLedger(db, chain.key),
    },
    AuditAnchorer,
    TicketAuditService,
    ChangeFeed,
  ],
  exports: [AnchorLedger, AuditAnchorer],
})
export class AuditModule {}
