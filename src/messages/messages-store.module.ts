import { Module } from '@nestjs/common';
import { MessageViewsService } from './message-views.service';
import { MessagesRepository } from './messages.repository';
import { SendCoalescer } from './send-coalescer';

/** Message storage and presentation, shared by chats (system messages, last message) and messages. */
@Module({
  providers: [MessagesRepository, MessageViewsService, SendCoalescer],
  exports: [MessagesRepository, MessageViewsService, SendCoalescer],
})
export class MessagesStoreModule {}
