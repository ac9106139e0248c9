import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { ChatIdDto } from '../../chats/dto/chat.dto';

/** Payload of the client event `typing`. */
export class TypingPayload extends ChatIdDto {
  @ApiProperty()
  @IsBoolean()
  isTyping: boolean;
}
