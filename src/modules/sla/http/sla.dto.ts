import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { NotBlank } from '../../../platform/http/validation';
import { PRIORITY_KEYS, STATUS_KEYS } from '../../tickets';

/** Bodies of the SLA configuration routes. Validation lives here, at the HTTP edge only. */

/** Bounded so that a business-time walk stays short (about 69 days of calendar time). */
export const MAX_TARGET_MINUTES = 100_000;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class SlaTargetDto {
  @ApiProperty({ minimum: 1, maximum: MAX_TARGET_MINUTES }) @IsInt() @Min(1) @Max(MAX_TARGET_MINUTES) minutes!: number;
  @ApiProperty({ enum: ['business', 'calendar'] }) @IsIn(['business', 'calendar']) time!: 'business' | 'calendar';
}

export class SlaTargetsDto {
  @ApiPropertyOptional({ type: SlaTargetDto, description: 'first public reply by staff' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  first_reply?: SlaTargetDto;
  @ApiPropertyOptional({ type: SlaTargetDto, description: 'each staff reply after the customer wrote back' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  next_reply?: SlaTargetDto;
  @ApiPropertyOptional({ type: SlaTargetDto, description: 'closed (or resolved, when resolved is not a pause status)' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  resolution?: SlaTargetDto;
}

export class SlaConditionDto {
  @ApiPropertyOptional({ enum: PRIORITY_KEYS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(PRIORITY_KEYS, { each: true })
  priorities?: string[];
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  categories?: string[];
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  application_ids?: string[];
}

export class SlaPolicyPayloadDto {
  @ApiProperty() @IsString() @NotBlank() @MaxLength(200) name!: string;
  @ApiPropertyOptional({ type: SlaConditionDto, description: 'absent or empty lists match every ticket' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SlaConditionDto)
  condition?: SlaConditionDto;
  @ApiProperty({ type: SlaTargetsDto }) @IsObject() @ValidateNested() @Type(() => SlaTargetsDto) targets!: SlaTargetsDto;
  @ApiPropertyOptional({
    enum: STATUS_KEYS,
    isArray: true,
    description: 'statuses that stop the clocks; default: the waiting-on-customer status (LEAD_SLA_WAITING_ON_CUSTOMER_STATUS)',
  })
  @IsOptional()
  @IsArray()
  @IsIn(STATUS_KEYS, { each: true })
  pause_statuses?: string[];
}

export class SlaOrderPayloadDto {
  @ApiProperty({ type: [String], description: 'every policy id, in the order they are matched' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  order!: string[];
}

export class OpenSlotDto {
  @ApiProperty({ example: '09:00' }) @IsString() @Matches(TIME, { message: '$property must be HH:mm' }) start!: string;
  @ApiProperty({ example: '17:00' }) @IsString() @Matches(TIME, { message: '$property must be HH:mm (or 24:00)' }) end!: string;
}

const day = () => (target: object, key: string) => {
  IsOptional()(target, key);
  IsArray()(target, key);
  ArrayMaxSize(12)(target, key);
  ValidateNested({ each: true })(target, key);
  Type(() => OpenSlotDto)(target, key);
  ApiPropertyOptional({ type: [OpenSlotDto] })(target, key);
};

export class WeeklyScheduleDto {
  @day() monday?: OpenSlotDto[];
  @day() tuesday?: OpenSlotDto[];
  @day() wednesday?: OpenSlotDto[];
  @day() thursday?: OpenSlotDto[];
  @day() friday?: OpenSlotDto[];
  @day() saturday?: OpenSlotDto[];
  @day() sunday?: OpenSlotDto[];
}

export class BusinessHoursPayloadDto {
  @ApiProperty({ example: 'Asia/Kolkata', description: 'IANA time zone' }) @IsString() @MaxLength(64) zone!: string;
  @ApiProperty({ type: WeeklyScheduleDto }) @IsObject() @ValidateNested() @Type(() => WeeklyScheduleDto) weekly!: WeeklyScheduleDto;
  @ApiPropertyOptional({ type: [String], example: ['2026-12-25'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  holidays?: string[];
}
