import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  registerDecorator,
} from 'class-validator';
import { JsonSize, NotBlank } from '../../../platform/http/validation';
import { PRIORITY_KEYS, STATUS_KEYS } from '../ticket-catalogue';
import { TicketContentDto } from './ticket.dto';

/** Query strings and bodies of the staff routes. Validation lives here, at the HTTP edge only. */

export const DEFAULT_PAGE_SIZE = 12;
export const SLA_STATES = ['active', 'paused', 'fulfilled', 'breached'] as const;
export const TICKET_SORTS = ['number', 'oldest', 'updated', 'priority', 'sla_due'] as const;
export const TAG_MATCHES = ['all', 'any'] as const;
const MAX_TAG_FILTERS = 20;

// `tags=a,b` and `tags=a&tags=b` alike: a list of tags, blanks dropped.
const toTagList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || Array.isArray(value)
    ? ([] as unknown[])
        .concat(value)
        .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
        .map((v) => (typeof v === 'string' ? v.trim() : v))
        .filter((v) => v !== '')
    : value;
// An instant in any ISO 8601 form, compared as the stored UTC text (`2026-03-02T10:00:00.000Z`).
const toUtcInstant = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
};
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
export const MAX_PAGE_SIZE = 100;

// Query values arrive as strings: "true"/"false" become booleans, anything else stays and fails IsBoolean.
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000) page_no?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size?: number;
}

export class TicketListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'return the tickets (and page)' }) @IsOptional() @Transform(toBoolean) @IsBoolean() items?: boolean;
  @ApiPropertyOptional({ description: 'return the filter lists' }) @IsOptional() @Transform(toBoolean) @IsBoolean() filters?: boolean;
  @ApiPropertyOptional({ description: 'words searched in titles and descriptions (prefixes match)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
  @ApiPropertyOptional({ enum: STATUS_KEYS }) @IsOptional() @IsIn(STATUS_KEYS) status?: (typeof STATUS_KEYS)[number];
  @ApiPropertyOptional({ enum: PRIORITY_KEYS }) @IsOptional() @IsIn(PRIORITY_KEYS) priority?: (typeof PRIORITY_KEYS)[number];
  @ApiPropertyOptional({ description: 'category key' }) @IsOptional() @IsString() @MaxLength(100) category?: string;
  // SLA (modules/sla): the ticket's SLA state, and the order by its next due time.
  @ApiPropertyOptional({ enum: SLA_STATES, description: 'tickets whose SLA is in this state (docs/sla.md)' })
  @IsOptional()
  @IsIn(SLA_STATES)
  sla_state?: (typeof SLA_STATES)[number];
  @ApiPropertyOptional({ description: 'an agent id, or `none` for tickets without an agent' })
  @IsOptional()
  @IsString()
  @NotBlank()
  @MaxLength(128)
  assigned_to?: string;
  @ApiPropertyOptional({ description: "an agent group's _id, or `none` for tickets in no group" })
  @IsOptional()
  @IsString()
  @NotBlank()
  @MaxLength(64)
  group?: string;
  @ApiPropertyOptional({ type: [String], description: 'tags, comma-separated or repeated; see tags_match' })
  @IsOptional()
  @Transform(toTagList)
  @IsArray()
  @ArrayMaxSize(MAX_TAG_FILTERS)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];
  @ApiPropertyOptional({ enum: TAG_MATCHES, default: 'all', description: '`all`: tickets with every tag given; `any`: with one of them' })
  @IsOptional()
  @IsIn(TAG_MATCHES)
  tags_match?: (typeof TAG_MATCHES)[number];
  @ApiPropertyOptional({ description: 'ISO 8601 instant: tickets created after it' })
  @IsOptional()
  @Transform(toUtcInstant)
  @IsISO8601({ strict: true })
  created_after?: string;
  @ApiPropertyOptional({ description: 'ISO 8601 instant: tickets last edited (status, assignee, tags, ...) after it' })
  @IsOptional()
  @Transform(toUtcInstant)
  @IsISO8601({ strict: true })
  updated_after?: string;
  @ApiPropertyOptional({
    enum: TICKET_SORTS,
    description:
      '`number` (default): newest first; `oldest`; `updated`: last edited first; `priority`: urgent to low, then newest; `sla_due`: next SLA due time first, tickets without one last. Only `number` pages with `before` (page.next_id); the others page with page_no',
  })
  @IsOptional()
  @IsIn(TICKET_SORTS)
  sort?: (typeof TICKET_SORTS)[number];
  @ApiPropertyOptional({ description: 'only tickets numbered below this one; pass page.next_id to get the next page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

export class AgentChangePayloadDto {
  @ApiPropertyOptional() @IsString() @NotBlank() @MaxLength(128) agent_id!: string;
}

// In an edit, `null` is not "leave as is" (IsOptional would let it through to the decider): it is a 400.
const Absent = () => ValidateIf((_object, value) => value !== undefined);
// Where `null` means "none" (unassign, leave the group).
const AbsentOrNull = () => ValidateIf((_object, value) => value !== undefined && value !== null);

export class EditTicketPayloadDto {
  @ApiPropertyOptional({ type: TicketContentDto, description: 'a missing description or attachments list keeps the current one' })
  @Absent()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketContentDto)
  content?: TicketContentDto;
  @ApiPropertyOptional({ description: 'category key' }) @Absent() @IsString() @NotBlank() @MaxLength(100) category?: string;
  @ApiPropertyOptional({ description: 'an empty string clears it' }) @Absent() @IsString() @MaxLength(100) sub_category?: string;
  @ApiPropertyOptional({ description: 'not editable: only the current value is accepted' })
  @Absent()
  @IsString()
  @MaxLength(32)
  source?: string;
  @ApiPropertyOptional({ enum: STATUS_KEYS }) @Absent() @IsIn(STATUS_KEYS) status?: (typeof STATUS_KEYS)[number];
  @ApiPropertyOptional({ enum: PRIORITY_KEYS }) @Absent() @IsIn(PRIORITY_KEYS) priority?: (typeof PRIORITY_KEYS)[number];
  @ApiPropertyOptional({ type: AgentChangePayloadDto, nullable: true, description: '`null` unassigns the agent (the group stays)' })
  @AbsentOrNull()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentChangePayloadDto)
  assigned_to?: AgentChangePayloadDto | null;
  @ApiPropertyOptional({ nullable: true, description: "an agent group's _id; `null` takes the ticket out of its group" })
  @AbsentOrNull()
  @IsString()
  @NotBlank()
  @MaxLength(64)
  group_id?: string | null;
  @ApiPropertyOptional({ type: [String] })
  @Absent()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @NotBlank({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];
}

export const MAX_BULK_TICKETS = 100;

/** A bulk edit: one EditTicketPayload applied to each ticket listed, each its own command. */
export class BulkEditTicketsPayloadDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_BULK_TICKETS, description: 'ticket _ids, each edited once' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_TICKETS)
  @ArrayUnique()
  @IsString({ each: true })
  @NotBlank({ each: true })
  @MaxLength(64, { each: true })
  ids!: string[];
  @ApiProperty({ type: EditTicketPayloadDto, description: 'the edit applied to every ticket' })
  @IsObject()
  @ValidateNested()
  @Type(() => EditTicketPayloadDto)
  changes!: EditTicketPayloadDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'per ticket, the ETag read (as If-Match): `{"<_id>": "\\"3\\""}`; a stale one is that ticket\'s 412',
  })
  @IsOptional()
  @IsObject()
  @IfMatchMap()
  if_match?: Record<string, string>;
}

export class TicketFeedbackPayloadDto {
  @ApiPropertyOptional({ description: 'field key -> answer (string, number or boolean)', example: { audio: 2, video: 6 } })
  @IsObject()
  @JsonSize(16384)
  @FlatAnswers()
  form_response!: Record<string, string | number | boolean>;
}

/** Per-ticket If-Match values: at most MAX_BULK_TICKETS, each a string of at most 200 characters. */
function IfMatchMap() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'ifMatchMap',
      target: target.constructor,
      propertyName,
      options: { message: `$property must map at most ${MAX_BULK_TICKETS} ticket ids to ETag strings` },
      validator: {
        validate: (value: unknown) => {
          const entries = Object.entries((value ?? {}) as Record<string, unknown>);
          return entries.length <= MAX_BULK_TICKETS && entries.every(([, v]) => typeof v === 'string' && v.length <= 200);
        },
      },
    });
}

/** At most 50 answers, keys of 1-100 characters, each answer a string, number or boolean. */
function FlatAnswers() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'flatAnswers',
      target: target.constructor,
      propertyName,
      options: { message: '$property must map 1 to 50 keys (1-100 characters) to strings, numbers or booleans' },
      validator: {
        validate: (value: unknown) => {
          const entries = Object.entries((value ?? {}) as Record<string, unknown>);
          return (
            entries.length >= 1 &&
            entries.length <= 50 &&
            entries.every(([k, v]) => k.length >= 1 && k.length <= 100 && ['string', 'number', 'boolean'].includes(typeof v))
          );
        },
      },
    });
}
