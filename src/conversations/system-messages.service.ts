import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Message, SystemEvent } from './message.entity';
import { MessagesRepository } from './messages.repository';

/** The message log's one write for other modules: a system message recording a change to a chat. */
@Injectable()
export class SystemMessagesService {
  constructor(private readonly messages: MessagesRepository) {}

  /** Stored in the caller's transaction with the chat's next seq (the actor need not be a member any more). */
  store(manager: EntityManager, chatId: string, event: SystemEvent, text: string): Promise<Message> {
    return this.messages.insertSystemMessage(manager, chatId, event, text);
  }
}
