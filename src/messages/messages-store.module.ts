import { Module } from '@nestjs/common';
import { MessageViewsService } from './message-views.service';
import { MessagesRepository } from './messages.repository';

/** Message storage and presentation, shared by chats (system messages, last message) and messages. */
@Module({
  providers: [MessagesRepository, MessageViewsService],
  exports: [MessagesRepository, MessageViewsService],
})
export class MessagesStoreModule {}
