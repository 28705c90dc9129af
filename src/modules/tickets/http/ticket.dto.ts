import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEmail, IsIn, IsNumber, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { RichText, RichTextMember } from '../../../platform/http/rich-text';
import { JsonSize, NotBlank } from '../../../platform/http/validation';
import { ASSET_TYPES, HISTORY_TYPES, PRIORITY_KEYS, STAFF_HISTORY_TYPES, STATUS_KEYS } from '../ticket-catalogue';

/** Request bodies of the ticket routes (reference 4.1-4.4). Validation lives here, at the HTTP edge only. */

export class TicketAssetDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) display?: string;
  @ApiProperty() @IsString() @NotBlank() @MaxLength(2048) value!: string;
  @ApiProperty({ enum: ASSET_TYPES }) @IsIn(ASSET_TYPES) type!: (typeof ASSET_TYPES)[number];
}

/** An optional list of at most 20 TicketAssets, each validated: ticket content and form submissions alike. */
export const Attachments = () =>
  applyDecorators(
    ApiPropertyOptional({ type: [TicketAssetDto] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(20),
    ValidateNested({ each: true }),
    Type(() => TicketAssetDto),
  );

export class TicketContentDto {
  @ApiProperty({ maxLength: 300 }) @IsString() @NotBlank() @MaxLength(300) title!: string;
  @ApiPropertyOptional({ maxLength: 20000, description: 'rich text: HTML cleaned to an allow-list on write' })
  @RichText()
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  description?: string;
  @Attachments()
  attachments?: TicketAssetDto[];
}

export class AdditionalInfoDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) display_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) display_value?: string;
  @ApiPropertyOptional() @IsOptional() @IsNumber() priority?: number;
}

export class AddTicketPayloadDto {
  @ApiProperty({ description: 'category key' }) @IsString() @NotBlank() @MaxLength(100) category!: string;
  @ApiProperty({ type: TicketContentDto }) @IsObject() @ValidateNested() @Type(() => TicketContentDto) content!: TicketContentDto;
  @ApiPropertyOptional({ enum: STATUS_KEYS }) @IsOptional() @IsIn(STATUS_KEYS) status?: (typeof STATUS_KEYS)[number];
  @ApiPropertyOptional({ enum: PRIORITY_KEYS }) @IsOptional() @IsIn(PRIORITY_KEYS) priority?: (typeof PRIORITY_KEYS)[number];
  @ApiPropertyOptional() @IsOptional() @IsObject() @JsonSize(8192) created_by?: Record<string, unknown>;
  @ApiPropertyOptional() @IsOptional() @IsObject() @JsonSize(16384) _custom_json?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [AdditionalInfoDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => AdditionalInfoDto)
  additional_info?: AdditionalInfoDto[];
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true })
  subscribers?: string[];
}

abstract class HistoryValueDto {
  @ApiProperty({
    description: 'Details of history event, e.g. {"text": "hello", "media": []} for a comment; `text` is rich text (HTML cleaned on write)',
  })
  @RichTextMember('text')
  @IsObject()
  @JsonSize(32768)
  value!: Record<string, unknown>;
}

export class TicketHistoryPayloadDto extends HistoryValueDto {
  @ApiProperty({ enum: HISTORY_TYPES }) @IsIn(HISTORY_TYPES) type!: (typeof HISTORY_TYPES)[number];
}

/** Staff may also write an internal note (`note`), which the storefront never sees. */
export class StaffHistoryPayloadDto extends HistoryValueDto {
  @ApiProperty({ enum: STAFF_HISTORY_TYPES, description: '`note`: an internal note, shown on staff routes only' })
  @IsIn(STAFF_HISTORY_TYPES)
  type!: (typeof STAFF_HISTORY_TYPES)[number];
}
