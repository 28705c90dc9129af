import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Request bodies of the webhook routes (docs/webhooks.md). */

const EVENT_TYPE = /^(\*|[A-Za-z][A-Za-z0-9_.]{0,63})$/;

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/lead', description: 'https (plain http only for LEAD_WEBHOOK_ALLOWED_HOSTS)' })
  @IsString()
  @MaxLength(2048)
  url!: string;
  @ApiProperty({ example: ['TicketCreated', 'HistoryAppended'], description: 'Event types to deliver, or ["*"] for all' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(EVENT_TYPE, { each: true, message: '$property must hold event type names or "*"' })
  events!: string[];
  @ApiPropertyOptional({ example: 'CRM sync' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(EVENT_TYPE, { each: true, message: '$property must hold event type names or "*"' })
  events?: string[];
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ example: 86400, description: 'Seconds the previous secret keeps signing (0 to 7 days; default 1 day)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  overlap_seconds?: number;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ description: 'A delivery `seq` from an earlier page: older ones' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
