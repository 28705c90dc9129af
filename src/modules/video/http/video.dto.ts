import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { OBJECT_ID_PATTERN } from '../../../platform/command/object-id';

/** Request and response bodies of the video routes (reference 4.10). */

export class NotifyUserDto {
  @ApiProperty({ example: '+91' })
  @IsString()
  @Matches(/^\+?\d{1,4}$/, { message: '$property must be a dialling code such as +91' })
  country_code!: string;
  @ApiProperty({ example: '9876543210' })
  @IsString()
  @Matches(/^\d{4,15}$/, { message: '$property must be 4 to 15 digits' })
  phone_number!: string;
}

export class CreateVideoRoomPayloadDto {
  @ApiProperty({ description: "Ticket id: the room is the ticket's", example: '6012f38557751ee8fc162cf7' })
  @IsString()
  @Matches(OBJECT_ID_PATTERN, { message: '$property must be a ticket _id (24 hex characters)' })
  unique_name!: string;
  @ApiPropertyOptional({ type: [NotifyUserDto], description: 'List of people to be notified (recorded; no SMS is sent)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => NotifyUserDto)
  notify?: NotifyUserDto[];
}

export class CreateVideoRoomResponse {
  @ApiProperty() unique_name!: string;
}

export class CloseVideoRoomResponse {
  @ApiProperty({ example: true }) success!: boolean;
}

export class GetTokenForVideoRoomResponse {
  @ApiProperty({ description: 'LiveKit access token for exactly this room' }) access_token!: string;
}

export class ParticipantDto {
  @ApiProperty({ example: 'user:5d1363adf599d850df93175e' }) identity!: string;
  @ApiProperty({ example: 'connected' }) status!: string;
  @ApiProperty({ type: Object }) user!: Record<string, unknown>;
}

export class GetParticipantsInsideVideoRoomResponse {
  @ApiProperty({ type: [ParticipantDto] }) participants!: ParticipantDto[];
}
