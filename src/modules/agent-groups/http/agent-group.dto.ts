import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { NotBlank } from '../../../platform/http/validation';

export const MAX_AGENTS_PER_GROUP = 500;

/** An agent group as staff create or replace it (PUT replaces every field; a left-out one takes its default). */
export class AgentGroupPayloadDto {
  @ApiProperty({ maxLength: 100 }) @IsString() @NotBlank() @MaxLength(100) name!: string;
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiPropertyOptional({ type: [String], description: 'agent ids, in round-robin order' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_AGENTS_PER_GROUP)
  @IsString({ each: true })
  @NotBlank({ each: true })
  @MaxLength(128, { each: true })
  agents?: string[];
}
