import { DataSource } from 'typeorm';
import { memberJoin, visibleTo } from '../common/visibility';
import { Message } from '../conversations/message.entity';

/**
 * The search page query, kept free of Nest so that the benchmark (bench/search.js) can EXPLAIN
 * exactly the SQL the service runs.
 */
export interface SearchPageQuery {
  viewerId: string;
  /** The chats' words (search-text.ts `tsQuery`). */
  tsQuery: string;
  /** Words without spaces whose whole must occur in the folded text (`substringChecks`). */
  substrings: string[];
  /** Only this chat (the access check has passed). */
  chatId?: string;
  /** Strictly older than this position of the order (a cursor). */
  before?: SearchPosition;
  limit: number;
}

/** A place in the order newest first: created_at (exact, UTC with microseconds), then chat, then seq. */
export interface SearchPosition {
  at: string;
  chatId: string;
  seq: number;
}

/** A timestamptz as exact UTC text with microseconds, read back exactly by PostgreSQL (the cursor). */
const exactKey = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * `limit + 1` rows (the extra one tells whether there is a next page), newest first.
 *
 * The candidates come from ix_messages_search alone, in a MATERIALIZED CTE with the tsquery behind
 * a sub-select: the planner cannot estimate a tsquery over per-chat lexemes (a prefix looks like
 * half the table), and with a plain constant it chose a sequential scan of messages, or a walk of
 * each chat through (chat_id, seq); as a parameter it takes the default estimate and the index.
 * The candidates are the caller's chats' matches only (the lexemes carry the chat), then the one
 * visibility rule: still a member (memberJoin), after the cut-off, not hidden, not deleted.
 */
export function searchPageSql(dataSource: DataSource, q: SearchPageQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.tsQuery, q.viewerId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const columns = dataSource
    .getMetadata(Message)
    .columns.filter((c) => c.isSelect)
    .map((c) => `m.${c.databaseName}`)
    .join(', ');
  const filters = [`m.search_vector @@ (SELECT $1::tsquery)`, `m.type = 'text'`, `m.deleted_at IS NULL`];
  for (const s of q.substrings) filters.push(`app_search_text(m.text) LIKE ${param(`%${s}%`)}`);
  if (q.before) {
    filters.push(
      `(m.created_at, m.chat_id, m.seq) < (${param(q.before.at)}::timestamptz, ${param(q.before.chatId)}::uuid, ${param(q.before.seq)}::int)`,
    );
  }
  const outer = [visibleTo('m', { userId: '$2', clearedSeq: 'cm.cleared_seq' }, { content: true })];
  // Another chat whose id starts with the same 8 hex digits shares its lexemes' key.
  if (q.chatId) outer.push(`m.chat_id = ${param(q.chatId)}`);
  const sql = `WITH hits AS MATERIALIZED (
      SELECT ${columns} FROM messages m WHERE ${filters.join(' AND ')}
    )
    SELECT m.*, ${exactKey('m.created_at')} AS sort_key
      FROM hits m
      ${memberJoin('m', 'cm', '$2')}
     WHERE ${outer.join(' AND ')}
     ORDER BY m.created_at DESC, m.chat_id DESC, m.seq DESC
     LIMIT ${param(q.limit + 1)}`;
  return { sql, params };
}
