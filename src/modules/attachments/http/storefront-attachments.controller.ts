import { Controller, Get, Param, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { StorefrontCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StorefrontAuthGuard } from '../../../platform/auth/storefront-auth.guard';
import { commandContext } from '../../../platform/http/request-context';
import { TicketAccessKeys } from '../../tickets';
import { AttachmentDownloads } from '../attachment-downloads';
import { AttachmentUploads, UploadedAttachment } from '../attachment-uploads';
import { baseUrlOf } from './base-url';
import { UploadRoute } from './attachment.dto';
import { Inject } from '@nestjs/common';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import {} from '@nestjs/swagger';

const SHOP = 'service/application/lead/v1.0';

/** Storefront uploads and downloads: the same identity rules as opening a ticket (a signed-in user, or anonymous with a key). */
@ApiTags('storefront: attachments')
@ApiBearerAuth()
@ApiHeader({
  name: 'x-ticket-access-key',
  required: false,
  description: 'anonymous callers: the access_key of the upload (or of a ticket that references the file)',
})
@UseGuards(StorefrontAuthGuard)
@Controller(SHOP)
export class StorefrontAttachmentsController {
  constructor(
    private readonly uploads: AttachmentUploads,
    private readonly downloads: AttachmentDownloads,
    private readonly accessKeys: TicketAccessKeys,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @UploadRoute()
  async upload(
    @CurrentCaller() caller: StorefrontCaller,
    @Req() request: FastifyRequest,
  ): Promise<{ items: UploadedAttachment[]; access_key?: string }> {
    const context = commandContext(request, caller);
    // As for a ticket: a signed-in user is the uploader by who they are; an anonymous caller by this key.
    const access = caller.userId ? undefined : this.accessKeys.issue(context, 'attachment');
    const base = baseUrlOf(this.settings, request);
    const answer = await this.uploads.upload(
      request,
      {
        companyId: caller.companyId,
        applicationId: caller.applicationId,
        uploader: caller.userId
          ? { kind: 'storefront_user', user_id: caller.userId }
          : { kind: 'anonymous', access_key_sha256: access!.sha256 },
        urlOf: (id) => `${base}/${SHOP}/attachments/${id}`,
      },
      context,
    );
    return access ? { ...answer, access_key: access.key } : answer;
  }

  @Get('attachments/:id')
  @ApiOperation({ summary: 'download an attachment: its uploader, or a caller who may read a ticket that references it; else 404' })
  @ApiOkResponse({ description: 'the bytes, as an attachment' })
  download(@Param('id') id: string, @CurrentCaller() caller: StorefrontCaller, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.downloads.send(id, caller, reply);
  }
}
