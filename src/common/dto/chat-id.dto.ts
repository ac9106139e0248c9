import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** The payload of a socket event about one chat (and the base of the others). */
export class ChatIdDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  chatId: string;
}
