import { Module } from '@nestjs/common';
import { ChatsModule } from '../conversations/chats.module';
import { MessagesStoreModule } from '../conversations/messages-store.module';
import { SearchController } from './search.controller';
import { SearchIndexer } from './search-indexer';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/**
 * Message search: the index of message texts (message_search, kept by SearchIndexer after each
 * change's commit) read through the one visibility rule (common/visibility.ts).
 */
@Module({
  imports: [ChatsModule, MessagesStoreModule],
  controllers: [SearchController],
  providers: [SearchRepository, SearchService, SearchIndexer],
  exports: [SearchService],
})
export class SearchModule {}
