import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatsModule } from '../conversations/chats.module';
import { MessagesModule } from '../conversations/messages.module';
import { PresenceModule } from '../presence/presence.module';
import { SearchModule } from '../search/search.module';
import { ChatGateway } from './chat.gateway';
import { TypingService } from './typing.service';

/** socket.io: the gateway (client events, fan-out) and typing. The server itself: RealtimeIoAdapter. */
@Module({
  imports: [AuthModule, ChatsModule, MessagesModule, PresenceModule, SearchModule],
  providers: [ChatGateway, TypingService],
})
export class RealtimeModule {}
