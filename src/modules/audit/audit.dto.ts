import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { POSITION_PATTERN } from './positions';

export class ChangeFeedQueryDto {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page; omit to start at the beginning', example: '42' })
  @IsOptional()
  @IsString()
  @Matches(POSITION_PATTERN, { message: 'after must be a next_cursor returned by this route' })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
