import { Module } from '@nestjs/common';
import { ChatsModule } from '../chats/chats.module';
import { UsersModule } from '../users/users.module';
import { CommandsService } from './commands/commands.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { MessagesStoreModule } from './messages-store.module';

@Module({
  imports: [ChatsModule, UsersModule, MessagesStoreModule],
  controllers: [MessagesController],
  providers: [CommandsService, MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
