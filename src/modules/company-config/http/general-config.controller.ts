import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { GeneralConfigDetails, GeneralConfigs } from '../general-config';

/** The desk's support settings of a company, from configuration (reference 4.11). */
@ApiTags('staff: company tickets')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id')
export class GeneralConfigController {
  constructor(private readonly configs: GeneralConfigs) {}

  @Get('general-config')
  @ApiOperation({ summary: 'getGeneralConfig: support settings of the company (from configuration)' })
  generalConfig(@CurrentCaller() caller: StaffCaller): GeneralConfigDetails {
    return this.configs.forCompany(caller.companyId);
  }
}
