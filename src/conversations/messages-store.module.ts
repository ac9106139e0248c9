import { Module } from '@nestjs/common';
import { MessagePublisher } from './message-publisher';
import { MessageViewsService } from './message-views.service';
import { MessagesRepository } from './messages.repository';
import { ReactionsRepository } from './reactions.repository';
import { SendCoalescer } from './send-coalescer';
import { SystemMessagesService } from './system-messages.service';

/** Message storage and presentation, shared by chats (system messages, last message) and messages. */
@Module({
  providers: [MessagesRepository, ReactionsRepository, MessageViewsService, MessagePublisher, SendCoalescer, SystemMessagesService],
  // The repository is for the messages module (the same feature, split so chats can sit between);
  // chats use the services.
  exports: [MessagesRepository, ReactionsRepository, MessageViewsService, MessagePublisher, SendCoalescer, SystemMessagesService],
})
export class MessagesStoreModule {}
