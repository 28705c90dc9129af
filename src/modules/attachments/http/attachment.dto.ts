import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
