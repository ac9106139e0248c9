import { DataSource } from 'typeorm';
import { memberJoin, visibleTo } from '../common/visibility';
import { Message } from '../conversations/message.entity';

/**
 * The search page query, kept free of Nest so that the benchmark (bench/search.js) can EXPLAIN
 * exactly the SQL the service runs.
 */
export interface SearchPageQuery {
  viewerId: string;
  /** The words in each chat (search-text.ts `tsQueries`). */
  tsQueries: string[];
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
 * `limit + 1` rows (the extra one tells whether there is a next page), newest first, in three steps:
 *
 * 1. `hits`: the candidates from ix_messages_search alone, one small tsquery per chat (`@@ ANY`: one
 *    index scan each, ORed into one bitmap), and only the columns the order and the visibility rule
 *    need (and the text when a word without spaces must be checked whole). The array is behind a sub-select: the planner cannot estimate a tsquery over per-chat
 *    lexemes (a prefix looks like half the table), and with constants it chose a sequential scan of
 *    messages, or a walk of each chat through (chat_id, seq); hidden, it takes the default estimate
 *    and the index. The lexemes carry the chat, so these are the caller's chats' matches only.
 * 2. `page`: the one visibility rule (still a member, after the cut-off, not hidden, not deleted) and
 *    the newest `limit + 1` of what is left, still narrow rows.
 * 3. The page's full rows, by (chat_id, seq): the text is read for those only, not for every match.
 */
export function searchPageSql(dataSource: DataSource, q: SearchPageQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.tsQueries, q.viewerId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const columns = dataSource
    .getMetadata(Message)
    .columns.filter((c) => c.isSelect)
    .map((c) => `m.${c.databaseName}`)
    .join(', ');
  const filters = [`m.search_vector @@ ANY (ARRAY(SELECT unnest($1::tsquery[])))`, `m.type = 'text'`, `m.deleted_at IS NULL`];
  const visible = [visibleTo('h', { userId: '$2', clearedSeq: 'cm.cleared_seq' }, { content: true })];
  // The whole words without spaces on the candidates' text, in the second step: a costly filter
  // in the scan on the default estimate made the planner pick a parallel scan (workers cost more
  // than they save on a few hundred rows).
  for (const s of q.substrings) visible.push(`app_search_text(h.text) LIKE ${param(`%${s}%`)}`);
  if (q.before) {
    filters.push(
      `(m.created_at, m.chat_id, m.seq) < (${param(q.before.at)}::timestamptz, ${param(q.before.chatId)}::uuid, ${param(q.before.seq)}::int)`,
    );
  }
  // Another chat whose id starts with the same 8 hex digits shares its lexemes' key.
  if (q.chatId) visible.push(`h.chat_id = ${param(q.chatId)}`);
  const order = (a: string) => `${a}.created_at DESC, ${a}.chat_id DESC, ${a}.seq DESC`;
  const sql = `WITH hits AS MATERIALIZED (
      SELECT m.chat_id, m.seq, m.created_at, m.deleted_at${q.substrings.length ? ', m.text' : ''}
        FROM messages m WHERE ${filters.join(' AND ')}
    ), page AS MATERIALIZED (
      SELECT h.chat_id, h.seq FROM hits h
        ${memberJoin('h', 'cm', '$2')}
       WHERE ${visible.join(' AND ')}
       ORDER BY ${order('h')}
       LIMIT ${param(q.limit + 1)}
    )
    SELECT ${columns}, ${exactKey('m.created_at')} AS sort_key
      FROM page p JOIN messages m ON m.chat_id = p.chat_id AND m.seq = p.seq
     ORDER BY ${order('m')}`;
  return { sql, params };
}
