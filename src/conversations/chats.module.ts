import { Module } from '@nestjs/common';
import { MessagesStoreModule } from './messages-store.module';
import { UsersModule } from '../users/users.module';
import { ChatsController } from './chats.controller';
import { ChatsRepository } from './chats.repository';
import { ChatsService } from './chats.service';

@Module({
  imports: [UsersModule, MessagesStoreModule],
  controllers: [ChatsController],
  providers: [ChatsRepository, ChatsService],
  exports: [ChatsService],
})
export class ChatsModule {}
