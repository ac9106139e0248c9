import { Injectable } from '@nestjs/common';
import { MessageDto } from './dto/message.dto';
import { Message } from './message.entity';
import { toMessageDto } from './message-view';
import { MessagesRepository } from './messages.repository';

/** Shapes stored messages into the contract's Message for one viewer, in a fixed number of queries. */
@Injectable()
export class MessageViewsService {
  constructor(private readonly messages: MessagesRepository) {}

  async present(messages: Message[], viewerId: string): Promise<MessageDto[]> {
    if (!messages.length) return [];
    const ownChatIds = [...new Set(messages.filter((m) => m.senderId === viewerId).map((m) => m.chatId))];
    const [attachments, cursors] = await Promise.all([
      this.messages.findAttachments(messages.map((m) => m.id)),
      this.messages.othersCursors(ownChatIds, viewerId),
    ]);
    return messages.map((m) =>
      toMessageDto(m, attachments.get(m.id) ?? [], viewerId, cursors.get(m.chatId) ?? { deliveredSeq: m.seq, readSeq: m.seq }),
    );
  }

  async presentOne(message: Message, viewerId: string): Promise<MessageDto> {
    return (await this.present([message], viewerId))[0];
  }
}
