import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { ChatsModule } from './chats.module';
import { UsersModule } from '../users/users.module';
import { CommandsService } from './commands.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { MessagesStoreModule } from './messages-store.module';
import { ReactionsController } from './reactions.controller';
import { ReactionsService } from './reactions.service';

@Module({
  imports: [ChatsModule, UsersModule, MessagesStoreModule, AttachmentsModule],
  controllers: [MessagesController, ReactionsController],
  providers: [CommandsService, MessagesService, ReactionsService],
  exports: [MessagesService, ReactionsService],
})
export class MessagesModule {}
