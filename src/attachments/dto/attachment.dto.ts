import { ApiProperty } from '@nestjs/swagger';

export class AttachmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() filename: string;
  @ApiProperty() mimeType: string;
  @ApiProperty({ type: 'integer' }) size: number;
  @ApiProperty({ description: 'hex SHA-256 of the bytes' }) sha256: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
