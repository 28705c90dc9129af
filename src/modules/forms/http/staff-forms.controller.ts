import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { DefineFormCommand } from '../form-definition.commands';
import { CreateCustomFormPayloadDto, EditCustomFormPayloadDto, FormListQueryDto, knownSlug } from './form.dto';
import { FormQueries } from '../form.queries';
import { CustomFormDoc } from '../form.views';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';

type AppCaller = StaffCaller & { applicationId: string };

/** Staff routes for an application's custom forms (reference section 3). */
@ApiTags('staff: custom forms')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller('service/platform/lead/v1.0/company/:company_id/application/:application_id/form')
export class StaffFormsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: FormQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'createCustomForm' })
  create(
    @Body() body: CreateCustomFormPayloadDto,
    @CurrentCaller() caller: AppCaller,
    @Req() request: FastifyRequest,
  ): Promise<CustomFormDoc> {
    return this.commands.execute(new DefineFormCommand('create', body.slug, caller, commandContext(request, caller), body));
  }

  @Get()
  @ApiOperation({ summary: 'getCustomForms: the forms of the application, newest first' })
  list(@Query() query: FormListQueryDto, @CurrentCaller() caller: AppCaller) {
    const current = query.page_no ?? 1;
    const size = query.page_size ?? 50;
    const { items, total } = this.queries.listForms(caller.applicationId, size, (current - 1) * size);
    return {
      items,
      page: {
        type: 'number',
        current,
        size,
        page_size: size,
        item_total: total,
        has_next: current * size < total,
        has_previous: current > 1,
      },
    };
  }

  @Get(':slug')
  @ApiOperation({ summary: 'getCustomForm' })
  get(@Param('slug') slug: string, @CurrentCaller() caller: AppCaller): CustomFormDoc {
    const form = this.queries.findForm(caller.applicationId, knownSlug(slug));
    if (!form) throw new DomainError('not_found', `Form ${slug} not found`);
    return form;
  }

  @Put(':slug')
  @ApiOperation({ summary: 'editCustomForm: replaces the settings (title, inputs, priority, assignees, login_required, ...)' })
  edit(
    @Param('slug') slug: string,
    @Body() body: EditCustomFormPayloadDto,
    @CurrentCaller() caller: AppCaller,
    @Req() request: FastifyRequest,
  ): Promise<CustomFormDoc> {
    return this.commands.execute(new DefineFormCommand('edit', knownSlug(slug), caller, commandContext(request, caller), body));
  }

  @Delete(':slug')
  @ApiOperation({ summary: 'deleteCustomForm: answers the deleted form' })
  remove(@Param('slug') slug: string, @CurrentCaller() caller: AppCaller, @Req() request: FastifyRequest): Promise<CustomFormDoc> {
    return this.commands.execute(new DefineFormCommand('delete', knownSlug(slug), caller, commandContext(request, caller)));
  }
}
