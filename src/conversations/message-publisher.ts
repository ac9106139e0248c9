import { Injectable } from '@nestjs/common';
import { EventBus } from '../common/event-bus';
import { MessageEvent, RecipientView } from './message.events';
import { MessageDto } from './dto/message.dto';
import { Message } from './message.entity';
import { MessageViewsService } from './message-views.service';

/** Announces committed messages to a chat's members; the gateway fans the events out. */
@Injectable()
export class MessagePublisher {
  constructor(
    private readonly views: MessageViewsService,
    private readonly events: EventBus,
  ) {}

  /**
   * Messages of one sender, in order, as that sender sees them (status included: the sender's other
   * devices show it; the gateway clears it for everyone else). Returns them so shaped. A message
   * with reactions goes to each recipient as it sees it (`me`), computed in bulk here.
   */
  async announce(
    event: 'message.created' | 'message.updated',
    messages: Message[],
    recipientIds: string[],
    originSocketId?: string,
  ): Promise<MessageDto[]> {
    const senderId = messages[0].senderId;
    const dtos = await this.views.present(messages, senderId);
    const perRecipient = dtos.some((dto) => dto.reactions.length) ? await this.recipientViews(messages, recipientIds) : null;
    dtos.forEach((dto, i) => {
      this.events.emit(event, { message: dto, recipientIds, originSocketId, views: perRecipient?.[i] } satisfies MessageEvent);
    });
    return dtos;
  }

  /** For each message, the recipients grouped by how they see it: one presentation of every (message, recipient) pair. */
  private async recipientViews(messages: Message[], recipientIds: string[]): Promise<RecipientView[][]> {
    const shaped = await this.views.presentEach(messages.flatMap((message) => recipientIds.map((viewerId) => ({ message, viewerId }))));
    return messages.map((_, m) => {
      const groups = new Map<string, RecipientView>();
      recipientIds.forEach((userId, r) => {
        const message = shaped[m * recipientIds.length + r];
        const key = JSON.stringify(message);
        const group = groups.get(key);
        if (group) group.userIds.push(userId);
        else groups.set(key, { userIds: [userId], message });
      });
      return [...groups.values()];
    });
  }
}
