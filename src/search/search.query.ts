import { DataSource } from 'typeorm';
import { memberJoin, visibleTo } from '../common/visibility';
import { Message } from '../conversations/message.entity';

/**
 * The search page query, kept free of Nest so that the benchmark (bench/search.js) can EXPLAIN
 * exactly the SQL the service runs.
 */
export interface SearchPageQuery {
  viewerId: string;
  /** The chats searched: their queued messages (not indexed yet) are matched on the fly. */
  chatIds: string[];
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
 * `limit + 1` rows (the extra one tells whether there is a next page), newest first, in four steps:
 *
 * 1. `queued`: the searched chats' messages that message_search_queue says the index does not have
 *    as they are now (new, edited, deleted for everyone: the indexer folds them in after the commit,
 *    SearchIndexer); a handful normally, more while the indexer catches up after a burst.
 * 2. `hits`: the candidates, narrow rows (chat, seq, time; the text when a word without spaces must
 *    be checked whole). From ix_message_search_vector, one small tsquery per chat (`@@ ANY`: one
 *    index scan each, ORed into one bitmap), leaving out the queued ones: a row of message_search is
 *    a text message not deleted for everyone unless it is queued, so it needs no row of messages
 *    (hence its NULL deleted_at). The array is behind a sub-select: the planner cannot estimate a
 *    tsquery over per-chat lexemes (a prefix looks like half the table), and with constants it chose
 *    a sequential scan; hidden, it takes the default estimate and the index. Plus the queued ones
 *    whose text matches now, by the indexer's own function.
 * 3. `page`: the one visibility rule (still a member, after the cut-off, not hidden, not deleted) and
 *    the newest `limit + 1` of what is left, still narrow rows.
 * 4. The page's full rows, by (chat_id, seq): the text is read for those only, not for every match.
 */
export function searchPageSql(dataSource: DataSource, q: SearchPageQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.tsQueries, q.viewerId, q.chatIds];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const columns = dataSource
    .getMetadata(Message)
    .columns.filter((c) => c.isSelect)
    .map((c) => `m.${c.databaseName}`)
    .join(', ');
  const words = `ANY (ARRAY(SELECT unnest($1::tsquery[])))`;
  const text = q.substrings.length > 0;
  // A sub-select, not a join: a join of the candidates to messages was planned as a scan of messages.
  const indexedText = `(SELECT m.text FROM messages m WHERE m.chat_id = s.chat_id AND m.seq = s.seq) AS text`;
  const indexed = [`s.vector @@ ${words}`, `NOT EXISTS (SELECT 1 FROM queued x WHERE x.chat_id = s.chat_id AND x.seq = s.seq)`];
  const pending = [`m.type = 'text'`, `m.deleted_at IS NULL`, `app_search_vector(m.chat_id, m.text) @@ ${words}`];
  const visible = [visibleTo('h', { userId: '$2', clearedSeq: 'cm.cleared_seq' }, { content: true })];
  // The whole words without spaces on the candidates' text, in the page step: a costly filter
  // in the scan on the default estimate made the planner pick a parallel scan (workers cost more
  // than they save on a few hundred rows).
  for (const s of q.substrings) visible.push(`app_search_text(h.text) LIKE ${param(`%${s}%`)}`);
  if (q.before) {
    const before = `(${param(q.before.at)}::timestamptz, ${param(q.before.chatId)}::uuid, ${param(q.before.seq)}::int)`;
    indexed.push(`(s.created_at, s.chat_id, s.seq) < ${before}`);
    pending.push(`(m.created_at, m.chat_id, m.seq) < ${before}`);
  }
  // Another chat whose id starts with the same 8 hex digits shares its lexemes' key.
  if (q.chatId) visible.push(`h.chat_id = ${param(q.chatId)}`);
  const order = (a: string) => `${a}.created_at DESC, ${a}.chat_id DESC, ${a}.seq DESC`;
  const sql = `WITH queued AS MATERIALIZED (
      SELECT DISTINCT x.chat_id, x.seq FROM message_search_queue x WHERE x.chat_id = ANY ($3::uuid[])
    ), hits AS MATERIALIZED (
      SELECT s.chat_id, s.seq, s.created_at, NULL::timestamptz AS deleted_at${text ? `, ${indexedText}` : ''}
        FROM message_search s
       WHERE ${indexed.join(' AND ')}
      UNION ALL
      SELECT m.chat_id, m.seq, m.created_at, m.deleted_at${text ? ', m.text' : ''}
        FROM queued x JOIN messages m ON m.chat_id = x.chat_id AND m.seq = x.seq
       WHERE ${pending.join(' AND ')}
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
