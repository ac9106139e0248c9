import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { ChatsModule } from './chats.module';
import { UsersModule } from '../users/users.module';
import { CommandsService } from './commands.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { MessagesStoreModule } from './messages-store.module';

@Module({
  imports: [ChatsModule, UsersModule, MessagesStoreModule, AttachmentsModule],
  controllers: [MessagesController],
  providers: [CommandsService, MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
