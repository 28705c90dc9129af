import { Controller, Get, Inject, Param, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { commandContext } from '../../../platform/http/request-context';
import { staffUploaderId } from '../attachment-access';
import { AttachmentDownloads } from '../attachment-downloads';
import { AttachmentUploads, UploadedAttachment } from '../attachment-uploads';
import { UploadRoute } from './attachment.dto';
import { baseUrlOf } from './base-url';

const COMPANY = 'service/platform/lead/v1.0/company/:company_id';

/** Staff uploads and downloads, for the company in the token. */
@ApiTags('staff: attachments')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller(COMPANY)
export class StaffAttachmentsController {
  constructor(
    private readonly uploads: AttachmentUploads,
    private readonly downloads: AttachmentDownloads,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @UploadRoute()
  upload(@CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest): Promise<{ items: UploadedAttachment[] }> {
    const base = baseUrlOf(this.settings, request);
    return this.uploads.upload(
      request,
      {
        companyId: caller.companyId,
        uploader: { kind: 'staff', id: staffUploaderId(caller) },
        urlOf: (id) => `${base}/service/platform/lead/v1.0/company/${caller.companyId}/attachments/${id}`,
      },
      commandContext(request, caller),
    );
  }

  @Get('attachments/:id')
  @ApiOperation({ summary: 'download an attachment: staff of the company of a ticket that references it, or its uploader; else 404' })
  @ApiOkResponse({ description: 'the bytes, as an attachment' })
  download(@Param('id') id: string, @CurrentCaller() caller: StaffCaller, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.downloads.send(id, caller, reply);
  }
}
