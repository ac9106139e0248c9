import { Injectable } from '@nestjs/common';
import { MessageDto } from './dto/message.dto';
import { Message } from './message.entity';
import { toMessageDto } from './message-view';
import { MessagesRepository } from './messages.repository';
import { ReactionsRepository } from './reactions.repository';

/** Shapes stored messages into the contract's Message for one viewer, in a fixed number of queries. */
@Injectable()
export class MessageViewsService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly reactions: ReactionsRepository,
  ) {}

  async present(messages: Message[], viewerId: string): Promise<MessageDto[]> {
    return this.presentEach(messages.map((message) => ({ message, viewerId })));
  }

  /**
   * Each message as its own viewer sees it (a chat's last message for each member), in the same three
   * queries, and a fourth when some of them are replies.
   */
  async presentEach(items: Array<{ message: Message; viewerId: string }>): Promise<MessageDto[]> {
    if (!items.length) return [];
    const own = items.filter(({ message, viewerId }) => message.senderId === viewerId);
    const replies = items.flatMap(({ message: m }) => (m.replyToSeq === null ? [] : [{ chatId: m.chatId, seq: m.replyToSeq }]));
    const [attachments, cursors, reactions, replyTargets] = await Promise.all([
      this.messages.findAttachments([...new Set(items.map(({ message }) => message.id))]),
      this.messages.othersCursors(own.map(({ message, viewerId }) => ({ chatId: message.chatId, viewerId }))),
      this.reactions.summariesFor(
        items.map(({ message }) => message.id),
        items.map(({ viewerId }) => viewerId),
      ),
      this.messages.findReplyTargets(replies),
    ]);
    return items.map(({ message, viewerId }, i) =>
      toMessageDto(
        message,
        attachments.get(message.id) ?? [],
        viewerId,
        cursors.get(`${message.chatId}|${viewerId}`) ?? { deliveredSeq: message.seq, readSeq: message.seq },
        message.replyToSeq === null ? null : (replyTargets.get(`${message.chatId}|${message.replyToSeq}`) ?? null),
        reactions[i],
      ),
    );
  }

  async presentOne(message: Message, viewerId: string): Promise<MessageDto> {
    return (await this.present([message], viewerId))[0];
  }
}
