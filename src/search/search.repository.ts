import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../common/prepared-query';
import { entityFromRow } from '../common/raw-rows';
import { Message } from '../conversations/message.entity';
import { INDEX_BATCH_SQL, SEARCH_INDEXER_LOCK } from './search-index.query';
import { SearchPageQuery, searchPageSql } from './search.query';

export interface SearchRow {
  message: Message;
  /** created_at exact (UTC, microseconds), for the cursor. */
  sortKey: string;
}

/** Search: the page query, the database's folding, and the indexer's batches (its only writes). */
@Injectable()
export class SearchRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The query's words as the database splits a text (`app_search_text`), and the chats to look in:
   * `chatId` (its access check has passed), or every chat the viewer is a member of.
   */
  async prepare(
    q: string,
    viewerId: string,
    chatId?: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ tokens: string[]; chatIds: string[] }> {
    const [row] = await preparedQuery<{ tokens: string[]; chat_ids: string[] }>(
      manager,
      `SELECT string_to_array(app_search_text($1), ' ') AS tokens,
              CASE WHEN $3::uuid IS NULL THEN ARRAY(SELECT chat_id FROM chat_members WHERE user_id = $2) ELSE ARRAY[$3::uuid] END AS chat_ids`,
      [q, viewerId, chatId ?? null],
    );
    return { tokens: row.tokens, chatIds: row.chat_ids };
  }

  async findPage(q: SearchPageQuery, manager: EntityManager = this.dataSource.manager): Promise<SearchRow[]> {
    const { sql, params } = searchPageSql(this.dataSource, q);
    // Named: the page query's text is one of a few templates, and its planning was 0.4–2 ms a call.
    const rows = await preparedQuery<Record<string, unknown>>(manager, sql, params);
    return rows.map((r) => ({ message: entityFromRow(this.dataSource, Message, r), sortKey: r.sort_key as string }));
  }

  /**
   * One batch of the indexer (search-index.query.ts), unless another instance's batch is running:
   * the number of queue rows taken (0 as well when skipped).
   */
  indexBatch(limit: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(SEARCH_INDEXER_LOCK);
      if (!locked) return 0;
      const [{ taken }] = await manager.query<Array<{ taken: number }>>(INDEX_BATCH_SQL, [limit]);
      return taken;
    });
  }

  /** Each character's folded form (`app_search_fold`), for those it changes. */
  async fold(chars: string[]): Promise<Map<string, string>> {
    if (!chars.length) return new Map();
    const rows = await this.dataSource.query<Array<{ c: string; f: string }>>(
      `SELECT c, f FROM (SELECT c, app_search_fold(c) AS f FROM unnest($1::text[]) AS c) x WHERE f IS DISTINCT FROM c`,
      [chars],
    );
    return new Map(rows.map((r) => [r.c, r.f]));
  }
}
