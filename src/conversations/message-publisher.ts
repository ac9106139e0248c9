import { Injectable } from '@nestjs/common';
import { EventBus } from '../common/event-bus';
import { MessageEvent } from './message.events';
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
   * devices show it; the gateway clears it for everyone else). Returns them so shaped.
   */
  async announce(
    event: 'message.created' | 'message.updated',
    messages: Message[],
    recipientIds: string[],
    originSocketId?: string,
  ): Promise<MessageDto[]> {
    const dtos = await this.views.present(messages, messages[0].senderId);
    for (const dto of dtos) this.events.emit(event, { message: dto, recipientIds, originSocketId } satisfies MessageEvent);
    return dtos;
  }
}
