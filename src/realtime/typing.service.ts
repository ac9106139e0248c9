import { Injectable } from '@nestjs/common';
import { ChatsService } from '../conversations/chats.service';
import { AuthUser } from '../common/current-user';
import { EventBus } from '../common/event-bus';
import { TypingEvent } from '../conversations/chat.events';

/** "Someone is typing": nothing is stored, the chat's other members are told. */
@Injectable()
export class TypingService {
  constructor(
    private readonly chats: ChatsService,
    private readonly events: EventBus,
  ) {}

  async typing(caller: AuthUser, chatId: string, isTyping: boolean): Promise<void> {
    await this.chats.requireAccess(caller, chatId);
    const recipientIds = (await this.chats.memberIds(chatId)).filter((id) => id !== caller.userId);
    if (!recipientIds.length) return;
    this.events.emit('typing', { chatId, userId: caller.userId, isTyping, recipientIds } satisfies TypingEvent);
  }
}
