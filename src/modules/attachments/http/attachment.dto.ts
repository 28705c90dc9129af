import { HttpCode, Post, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The multipart body: one or more file parts (any part name). */
export class UploadBodyDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'a file; several file parts may be sent' })
  file!: unknown;
}

export class UploadedAttachmentDto {
  @ApiProperty({ description: 'the file name sent, cleaned' }) display!: string;
  @ApiProperty({ description: "the download URL (this service's)" }) value!: string;
  @ApiProperty({ enum: ['image', 'video', 'file'] }) type!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'hex SHA-256 of the bytes' }) sha256!: string;
  @ApiProperty() size!: number;
  @ApiProperty({ description: 'sniffed from the bytes' }) content_type!: string;
}

export class UploadAnswerDto {
  @ApiProperty({ type: [UploadedAttachmentDto] }) items!: UploadedAttachmentDto[];
  @ApiPropertyOptional({ description: 'anonymous storefront callers only: send it as x-ticket-access-key to download the file' })
  access_key?: string;
}

/** The upload route's shape on both sides of the API: `POST <base>/upload`, multipart, 201 with the stored files. */
export function UploadRoute(): MethodDecorator {
  return applyDecorators(
    Post('upload'),
    HttpCode(201),
    ApiOperation({ summary: 'upload: store files (multipart/form-data) and answer a TicketAsset for each' }),
    ApiConsumes('multipart/form-data'),
    ApiBody({ type: UploadBodyDto }),
    ApiCreatedResponse({ type: UploadAnswerDto }),
  );
}
