import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
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
export const TICKET_SORTS = ['number', 'sla_due'] as const;
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
  @ApiPropertyOptional({
    enum: TICKET_SORTS,
    description: '`sla_due`: next SLA due time first, tickets without one last (page with page_no)',
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
  @ApiPropertyOptional({ type: AgentChangePayloadDto })
  @Absent()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentChangePayloadDto)
  assigned_to?: AgentChangePayloadDto;
  @ApiPropertyOptional({ type: [String] })
  @Absent()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @NotBlank({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];
}

export class TicketFeedbackPayloadDto {
  @ApiPropertyOptional({ description: 'field key -> answer (string, number or boolean)', example: { audio: 2, video: 6 } })
  @IsObject()
  @JsonSize(16384)
  @FlatAnswers()
  form_response!: Record<string, string | number | boolean>;
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
