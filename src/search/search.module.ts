import { Module } from '@nestjs/common';
import { ChatsModule } from '../conversations/chats.module';
import { MessagesStoreModule } from '../conversations/messages-store.module';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/** Message search: reads the messages' search index through the one visibility rule (common/visibility.ts). */
@Module({
  imports: [ChatsModule, MessagesStoreModule],
  controllers: [SearchController],
  providers: [SearchRepository, SearchService],
  exports: [SearchService],
})
export class SearchModule {}
