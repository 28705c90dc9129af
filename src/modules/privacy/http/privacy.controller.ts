import { Body, Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { commandContext } from '../../../platform/http/request-context';
import { ErasureReceipt, PrivacyService, SubjectExport } from '../privacy.service';
import { ErasureRequestDto, ExportQueryDto } from './privacy.dto';

/**
 * A company's data-subject requests (docs/privacy.md): erasure (GDPR art. 17) and access (art. 15). Staff of the
 * company only; a subject is a user within that company, so another company's data is never touched.
 */
@ApiTags('staff: privacy')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id/privacy')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Post('erasure')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase a user's personal data: destroy their key, record DataSubjectErased, rebuild the read models; idempotent",
  })
  erase(@Body() body: ErasureRequestDto, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<ErasureReceipt> {
    return this.privacy.erase(caller.companyId, body.user_id, commandContext(request, caller));
  }

  @Get('export')
  @ApiOperation({ summary: 'Everything held about a user in this company, decrypted (right of access)' })
  export(@Query() query: ExportQueryDto, @CurrentCaller() caller: StaffCaller): Promise<SubjectExport> {
    return this.privacy.export(caller.companyId, query.user_id);
  }
}
