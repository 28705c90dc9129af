import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { AttachmentsModule } from '../attachments/attachments.module';
import { PrivacyController } from './http/privacy.controller';
import { PrivacyCommandHandler } from './privacy-command-handler';
import { PrivacyService } from './privacy.service';

/** Data-subject requests: erasure by crypto-shredding, and export (docs/privacy.md). */
@Module({
  imports: [AuthModule, AttachmentsModule],
  controllers: [PrivacyController],
  providers: [PrivacyCommandHandler, PrivacyService],
})
export class PrivacyModule {}
