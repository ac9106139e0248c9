import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatsRepository } from '../chats/chats.repository';
import { ChatsService } from '../chats/chats.service';
import { AuthUser } from '../common/current-user';
import { EVENTS, TypingEvent } from '../common/events';

/** "Someone is typing": nothing is stored, the chat's other members are told. */
@Injectable()
export class TypingService {
  constructor(
    private readonly chats: ChatsService,
    private readonly chatsRepository: ChatsRepository,
    private readonly events: EventEmitter2,
  ) {}

  async typing(caller: AuthUser, chatId: string, isTyping: boolean): Promise<void> {
    await this.chats.requireMember(caller, chatId);
    const recipientIds = (await this.chatsRepository.memberIds(chatId)).filter((id) => id !== caller.userId);
    if (!recipientIds.length) return;
    this.events.emit(EVENTS.typing, { chatId, userId: caller.userId, isTyping, recipientIds } satisfies TypingEvent);
  }
}
