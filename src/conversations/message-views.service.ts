import { Injectable } from '@nestjs/common';
import { MessageDto } from './dto/message.dto';
import { Message } from './message.entity';
import { MessagePresentation, toMessageDto } from './message-view';
import { MessagesRepository } from './messages.repository';

/** Shapes stored messages into the contract's Message for one viewer, in one statement. */
@Injectable()
export class MessageViewsService {
  constructor(private readonly messages: MessagesRepository) {}

  async present(messages: Message[], viewerId: string): Promise<MessageDto[]> {
    return this.presentEach(messages.map((message) => ({ message, viewerId })));
  }

  /** Each message as its own viewer sees it (a chat's last message for each member), in one statement. */
  async presentEach(items: Array<{ message: Message; viewerId: string }>): Promise<MessageDto[]> {
    const shown = await this.messages.findPresentation(items.map(({ message, viewerId }) => ({ messageId: message.id, viewerId })));
    return items.map(({ message, viewerId }, i) => this.show(message, shown[i], viewerId));
  }

  /** A message whose presentation came with it (the history page's one statement). */
  show(message: Message, { attachments, reactions, replyTo, others }: MessagePresentation, viewerId: string): MessageDto {
    // Alone in the chat: nobody else to receive or read it.
    return toMessageDto(message, attachments, viewerId, others ?? { deliveredSeq: message.seq, readSeq: message.seq }, replyTo, reactions);
  }

  async presentOne(message: Message, viewerId: string): Promise<MessageDto> {
    return (await this.present([message], viewerId))[0];
  }
}
