import type { Pool } from 'pg';

/**
 * Messages to write straight into a chat: `count` text messages from `senderId`, each text the
 * prefix followed by its seq ("m" → "m2", "m3" …), or one message with exactly `text`; at `at`
 * (default: now).
 */
export type MessageSeed = { chatId: string; senderId: string; at?: Date } & ({ text: string } | { count: number; prefix?: string });

const SEED_SQL = `
  WITH seeds AS (
    SELECT s.chat_id, s.sender_id, s.n, s.text, s.prefix, coalesce(s.at, now()) AS at,
           c.last_seq + sum(s.n) OVER (PARTITION BY s.chat_id ORDER BY s.ord) - s.n AS before
      FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::timestamptz[])
             WITH ORDINALITY AS s(chat_id, sender_id, n, text, prefix, at, ord)
      JOIN chats c ON c.id = s.chat_id
  ), inserted AS (
    INSERT INTO messages (chat_id, seq, sender_id, type, text, created_at)
    SELECT chat_id, before + g, sender_id, 'text', coalesce(text, prefix || (before + g)), at
      FROM seeds CROSS JOIN LATERAL generate_series(1, n) AS g
  )
  UPDATE chats c SET last_seq = last.seq, last_activity_at = last.at
    FROM (SELECT DISTINCT ON (chat_id) chat_id, before + n AS seq, at FROM seeds ORDER BY chat_id, before DESC) last
   WHERE c.id = last.chat_id`;

/**
 * Bulk seeding in one statement, for tests about volume (not through the API, for speed). The
 * messages take the next seqs of their chats, in the order given, and each chat's `last_seq` and
 * `last_activity_at` move with them as a send would move them. `replica` skips the foreign-key
 * triggers, for millions of rows known to be valid.
 */
export async function seedMessages(db: Pool, seeds: MessageSeed | MessageSeed[], options: { replica?: boolean } = {}): Promise<void> {
  const list = Array.isArray(seeds) ? seeds : [seeds];
  const params = [
    list.map((s) => s.chatId),
    list.map((s) => s.senderId),
    list.map((s) => ('text' in s ? 1 : s.count)),
    list.map((s) => ('text' in s ? s.text : null)),
    list.map((s) => ('text' in s ? null : (s.prefix ?? 'm'))),
    list.map((s) => s.at?.toISOString() ?? null),
  ];
  if (!options.replica) {
    await db.query(SEED_SQL, params);
    return;
  }
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(SEED_SQL, params);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Gives members a role: no REST route promotes a member (the contract has none). */
export async function setRole(db: Pool, chatId: string, users: Array<{ id: string }>, role: 'owner' | 'admin' | 'member'): Promise<void> {
  await db.query('UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = ANY($2::uuid[])', [
    chatId,
    users.map((u) => u.id),
    role,
  ]);
}
