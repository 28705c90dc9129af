import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { DomainError } from '../../../platform/command/domain-error';
import { RichText } from '../../../platform/http/rich-text';
import { JsonSize, NotBlank } from '../../../platform/http/validation';
import { Attachments, PRIORITY_KEYS, PriorityKey, TicketAssetDto } from '../../tickets';
import { FIELD_TYPES, FieldType, LIMITS } from '../form-inputs';

/** Request bodies of the form routes (reference 4.6, 4.7, 5). Rules across fields live in form-inputs.ts. */

export const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const KEY = /^[A-Za-z0-9_-]{1,100}$/;

/** The `{slug}` path parameter: one that cannot exist names no form, so it is 404 like any unknown one. */
export function knownSlug(slug: string): string {
  if (!SLUG.test(slug)) throw new DomainError('not_found', 'Form not found');
  return slug;
}
const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

export class FieldOptionDto {
  @ApiProperty() @IsString() @NotBlank() @MaxLength(200) display!: string;
  @ApiProperty() @IsString() @Matches(KEY, { message: 'key must be 1-100 letters, digits, - or _' }) key!: string;
}

export class FormInputDto {
  @ApiProperty({ description: 'answer key, unique in the form' })
  @IsString()
  @Matches(KEY, { message: 'key must be 1-100 letters, digits, - or _' })
  key!: string;
  @ApiProperty({ description: 'label' }) @IsString() @NotBlank() @MaxLength(200) display!: string;
  @ApiProperty({ enum: FIELD_TYPES }) @IsIn(FIELD_TYPES) type!: FieldType;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() required?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) placeholder?: string;
  @ApiPropertyOptional({ description: 'JavaScript regex, checked when showRegexInput is true' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.regexLength)
  regex?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() showRegexInput?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) error_message?: string;
  @ApiPropertyOptional({ type: [FieldOptionDto], description: 'options of dropdown, radio and checkbox' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.options)
  @ValidateNested({ each: true })
  @Type(() => FieldOptionDto)
  enum?: FieldOptionDto[];
}

export class PollForAssignmentDto {
  @ApiProperty({ description: 'seconds' }) @IsInt() @Min(1) @Max(3600) duration!: number;
  @ApiProperty() @IsString() @MaxLength(500) message!: string;
  @ApiProperty() @IsString() @MaxLength(500) success_message!: string;
  @ApiProperty() @IsString() @MaxLength(500) failure_message!: string;
}

export class SubmitButtonDto {
  @ApiProperty() @IsString() @MaxLength(100) title!: string;
  @ApiProperty() @IsString() @MaxLength(32) title_color!: string;
  @ApiProperty() @IsString() @MaxLength(32) background_color!: string;
}

/** The settings both payloads carry. */
class FormSettingsDto {
  @ApiProperty() @IsString() @NotBlank() @MaxLength(200) title!: string;
  @ApiProperty({ type: [FormInputDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.inputs)
  @ValidateNested({ each: true })
  @Type(() => FormInputDto)
  inputs!: FormInputDto[];
  @ApiProperty({ enum: PRIORITY_KEYS }) @IsIn(PRIORITY_KEYS) priority!: PriorityKey;
  @ApiPropertyOptional({ description: 'rich text: HTML cleaned to an allow-list on write' })
  @RichText()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
  @ApiPropertyOptional({ description: 'http(s) URL' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  header_image?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() should_notify?: boolean;
  @ApiPropertyOptional({ description: 'rich text: HTML cleaned to an allow-list on write' })
  @RichText()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  success_message?: string;
  @ApiPropertyOptional({ type: SubmitButtonDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SubmitButtonDto)
  submit_button?: SubmitButtonDto;
  @ApiPropertyOptional({ type: PollForAssignmentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PollForAssignmentDto)
  poll_for_assignment?: PollForAssignmentDto;
  @ApiPropertyOptional({ type: [String], description: 'staff user ids new tickets are assigned to, in turn' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(USER_ID, { each: true, message: 'each assignee must be a user id' })
  available_assignees?: string[];
  @ApiPropertyOptional({
    description: "an agent group's _id: new tickets go to the group and to its agents in turn (available_assignees is then not used)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  group_id?: string;
}

/** CreateCustomFormPayload: `slug` and the settings; `login_required` is not among them (reference 4.6). */
export class CreateCustomFormPayloadDto extends FormSettingsDto {
  @ApiProperty({ description: 'lower-case letters, digits, - and _; unique in the application' })
  @IsString()
  @Matches(SLUG, { message: 'slug must be 1-100 lower-case letters, digits, - or _, starting with a letter or digit' })
  slug!: string;
}

/** EditCustomFormPayload: PUT replaces the form's settings; what is left out takes its default. */
export class EditCustomFormPayloadDto extends FormSettingsDto {
  @ApiPropertyOptional({ description: 'only signed-in storefront users may submit (settable on edit only)' })
  @IsOptional()
  @IsBoolean()
  login_required?: boolean;
}

export class ResponseItemDto {
  @ApiProperty() @IsString() @MaxLength(100) key!: string;
  @ApiProperty({ description: 'string, number, {code, number} (mobile) or list of option keys (checkbox)' })
  @JsonSize(16384)
  value?: unknown;
}

export class CustomFormSubmissionPayloadDto {
  @ApiProperty({ type: [ResponseItemDto] })
  @IsArray()
  @ArrayMaxSize(LIMITS.inputs)
  @ValidateNested({ each: true })
  @Type(() => ResponseItemDto)
  response!: ResponseItemDto[];
  @Attachments()
  attachments?: TicketAssetDto[];
}

export class FormListQueryDto {
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) page_no?: number;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) page_size?: number;
}
