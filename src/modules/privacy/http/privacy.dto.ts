import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** A data subject: a storefront user id or a staff member's id, as `x-user-id` names them. */
const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

export class ErasureRequestDto {
  @ApiProperty({ example: 'alice', description: 'The storefront user (or staff member) whose personal data is erased' })
  @IsString()
  @Matches(USER_ID, { message: '$property must be a user id as x-user-id carries it' })
  user_id!: string;
}

export class ExportQueryDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Matches(USER_ID, { message: '$property must be a user id as x-user-id carries it' })
  user_id!: string;
}
