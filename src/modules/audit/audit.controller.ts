import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../../platform/http/openapi-responses';
import { StaffCaller } from '../../platform/auth/caller';
import { CurrentCaller } from '../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../platform/auth/staff-auth.guard';
import { ChangeFeedQueryDto } from './audit.dto';
import { ChangeFeed, FeedPage } from './change-feed';
import { parsePosition } from './positions';
import { TicketAuditService, TicketTimeline } from './ticket-audit.service';

/** Staff audit routes: a ticket's verified timeline, and the company's change feed. */
@ApiTags('staff: audit')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id')
export class AuditController {
  constructor(
    private readonly audit: TicketAuditService,
    private readonly feed: ChangeFeed,
  ) {}

  @Get('ticket/:id/audit')
  @ApiOperation({ summary: "A ticket's full event timeline with actor, tenant, source and time, and its verification" })
  companyTicket(@Param('id') id: string, @CurrentCaller() caller: StaffCaller): Promise<TicketTimeline> {
    return this.audit.timeline(id, { companyId: caller.companyId });
  }

  @Get('application/:application_id/ticket/:id/audit')
  @ApiOperation({ summary: "A ticket's audit timeline, for a ticket of this application" })
  applicationTicket(@Param('id') id: string, @CurrentCaller() caller: StaffCaller): Promise<TicketTimeline> {
    return this.audit.timeline(id, { companyId: caller.companyId, applicationId: caller.applicationId });
  }

  @Get('events')
  @ApiOperation({ summary: "Change feed: the company's ticket events in global order, cursor-paginated" })
  @ApiOkResponse({ description: 'one page; pass next_cursor back as `after`', schema: schemaRef('ChangeFeedPage') })
  events(@Query() query: ChangeFeedQueryDto, @CurrentCaller() caller: StaffCaller): Promise<FeedPage> {
    const after = query.after === undefined ? undefined : parsePosition(query.after);
    return this.feed.page(caller.companyId, after, query.limit ?? 100);
  }
}
