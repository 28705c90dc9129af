import { Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StorefrontCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StorefrontAuthGuard } from '../../../platform/auth/storefront-auth.guard';
import { DomainError } from '../../../platform/command/domain-error';
import { commandContext } from '../../../platform/http/request-context';
import { CustomFormSubmissionPayloadDto, knownSlug } from './form.dto';
import { FormQueries } from '../form.queries';
import { CustomFormDoc } from '../form.views';
import { SubmitFormAnswer, SubmitFormCommand } from '../submit-form.command';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';

/** Storefront routes: read a form of the caller's application, submit it (reference section 1). */
@ApiTags('storefront: custom forms')
@ApiBearerAuth()
@UseGuards(StorefrontAuthGuard)
@Controller('service/application/lead/v1.0/form')
export class StorefrontFormsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: FormQueries,
  ) {}

  @Get(':slug')
  @ApiOperation({ summary: 'getCustomForm' })
  get(@Param('slug') slug: string, @CurrentCaller() caller: StorefrontCaller): CustomFormDoc {
    const form = this.queries.findForm(caller.applicationId, knownSlug(slug));
    if (!form) throw new DomainError('not_found', `Form ${slug} not found`);
    return form;
  }

  @Post(':slug/submit')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'submitCustomForm: stores the response and opens a ticket from it' })
  submit(
    @Param('slug') slug: string,
    @Body() body: CustomFormSubmissionPayloadDto,
    @CurrentCaller() caller: StorefrontCaller,
    @Req() request: FastifyRequest,
  ): Promise<SubmitFormAnswer> {
    return this.commands.execute(new SubmitFormCommand(knownSlug(slug), caller, body, commandContext(request, caller)));
  }
}
