import { Module } from '@nestjs/common';
import { AuthModule } from '../../platform/auth/auth.module';
import { GeneralConfigs } from './general-config';
import { GeneralConfigController } from './http/general-config.controller';

/** Company-level configuration of the desk (general config today; business hours, queues and SLAs belong here). */
@Module({
  imports: [AuthModule],
  controllers: [GeneralConfigController],
  providers: [GeneralConfigs],
})
export class CompanyConfigModule {}
