/**
 * One batch of the search indexer (search-indexer.ts), kept free of Nest so that tests and the
 * benchmark can index seeded messages with exactly the statement the service runs.
 *
 * Takes up to `$1` rows of message_search_queue (in key order: a chat's changes together), sets each
 * of their messages' rows of message_search from the message as it is now (the text's vector; no
 * row for a message deleted for everyone or gone) and deletes those queue rows, all in one
 * statement, so from one snapshot: a queue row is committed with its change, so every change whose
 * row this batch deletes is in what it reads, and a change committed meanwhile keeps its own row
 * for the next batch. Batches must not overlap (an older snapshot could write an older text after
 * a newer one): the caller holds SEARCH_INDEXER_LOCK and runs this as the next statement, whose
 * snapshot then sees every earlier batch. Returns the number of queue rows taken.
 */
export const INDEX_BATCH_SQL = `WITH batch AS (
    SELECT chat_id, seq, marked_at FROM message_search_queue ORDER BY chat_id, seq, marked_at LIMIT $1
  ), taken AS (
    DELETE FROM message_search_queue q USING batch b WHERE q.chat_id = b.chat_id AND q.seq = b.seq AND q.marked_at = b.marked_at
  ), now_is AS (
    SELECT m.chat_id, m.seq, m.created_at,
           CASE WHEN m.type = 'text' AND m.deleted_at IS NULL THEN app_search_vector(m.chat_id, m.text) END AS vector
      FROM (SELECT DISTINCT chat_id, seq FROM batch) b JOIN messages m ON m.chat_id = b.chat_id AND m.seq = b.seq
  ), dropped AS (
    DELETE FROM message_search s USING now_is n WHERE s.chat_id = n.chat_id AND s.seq = n.seq AND n.vector IS NULL
  ), stored AS (
    INSERT INTO message_search (chat_id, seq, created_at, vector)
    SELECT chat_id, seq, created_at, vector FROM now_is WHERE vector IS NOT NULL ORDER BY chat_id, seq
    ON CONFLICT (chat_id, seq) DO UPDATE SET vector = EXCLUDED.vector
  )
  SELECT count(*)::int AS taken FROM batch`;

/** The transaction lock that keeps batches from overlapping across instances (a constant key). */
export const SEARCH_INDEXER_LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('message_search_queue')) AS locked`;
