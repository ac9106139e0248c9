import { Module } from '@nestjs/common';
import { MessagePublisher } from './message-publisher';
import { MessageViewsService } from './message-views.service';
import { MessagesRepository } from './messages.repository';
import { SendCoalescer } from './send-coalescer';

/** Message storage and presentation, shared by chats (system messages, last message) and messages. */
@Module({
  providers: [MessagesRepository, MessageViewsService, MessagePublisher, SendCoalescer],
  exports: [MessagesRepository, MessageViewsService, MessagePublisher, SendCoalescer],
})
export class MessagesStoreModule {}
