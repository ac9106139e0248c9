import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { memberJoin, visibleTo } from '../common/visibility';
import { preparedQuery } from '../common/prepared-query';
import { ReactionCountDto, ReactionDto } from './dto/reaction.dto';

/** Where a message to react to is: the chat, its seq, and who reacts. */
export interface ReactionTarget {
  chatId: string;
  seq: number;
  userId: string;
}

/** What a put or take-back did. */
export type ReactionChange =
  | { kind: 'message-not-found' }
  | { kind: 'not-reactable' }
  | { kind: 'limit' }
  | { kind: 'unchanged' }
  | { kind: 'changed'; reactions: ReactionCountDto[]; memberIds: string[] };

/** The emoji of a message with their users, each list in the order the users reacted. */
export interface ReactionUsers {
  emoji: string;
  userIds: string[];
}

/** Emoji in the order the message got them (ties, within a microsecond, by the emoji): every read sorts so. */
const EMOJI_ORDER = 'min(r.emoji_added_at), r.emoji';

@Injectable()
export class ReactionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The `reactions` of each message as its viewer sees it (`messageIds[i]` for `viewerIds[i]`),
   * aligned with the input: one statement for any number of messages. `me` is a primary-key probe.
   */
  async summariesFor(
    messageIds: string[],
    viewerIds: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ReactionDto[][]> {
    const result = messageIds.map((): ReactionDto[] => []);
    if (!messageIds.length) return result;
    const rows = await preparedQuery<{ i: number; emoji: string; count: number; me: boolean }>(
      manager,
      `WITH pairs AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS p(message_id, viewer_id, i)
       ), counts AS (
         SELECT r.message_id, r.emoji, count(*)::int AS count, row_number() OVER (PARTITION BY r.message_id ORDER BY ${EMOJI_ORDER}) AS position
           FROM message_reactions r
          WHERE r.message_id = ANY($1::uuid[])
          GROUP BY r.message_id, r.emoji
       )
       SELECT p.i::int - 1 AS i, c.emoji, c.count,
              EXISTS (SELECT 1 FROM message_reactions mine
                       WHERE mine.message_id = p.message_id AND mine.user_id = p.viewer_id AND mine.emoji = c.emoji) AS me
         FROM pairs p JOIN counts c ON c.message_id = p.message_id
        ORDER BY p.i, c.position`,
      [messageIds, viewerIds],
    );
    for (const r of rows) result[r.i].push({ emoji: r.emoji, count: r.count, me: r.me });
    return result;
  }

  /**
   * Runs `work` on one connection that holds a session-level advisory lock of the message (its chat
   * and seq) meanwhile, so that the changes of one message and what follows their commits (their
   * announcement) run one after the other, whatever the instance: announcements leave in commit
   * order, and the sockets of one instance get a message's `reaction` events so. (A transaction's
   * own locks end at its commit, before the announcement, and a database process can be descheduled
   * between its commit and its answer.) Across instances the Redis hop may still delay one.
   */
  async oneAtATime<T>(chatId: string, seq: number, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1), $2)', [chatId, seq]);
      try {
        return await work(runner.manager);
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1), $2)', [chatId, seq]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Puts (`on`) or takes back one user's reaction, in one transaction that first locks the message
   * row, so that the changes to one message's reactions run one at a time: the distinct-emoji limit
   * and an emoji's place hold under concurrency, and the summary read after the change (a later
   * statement, a fresh snapshot) is the state this change produced. The lock statement also finds
   * the message as the user may see it now (the visibility rule; the membership row held by a
   * key-share lock, as a send holds it), refuses system messages and tombstones (a delete for
   * everyone waits for the lock), and reads the chat's members, whom a change is announced to.
   */
  changeReaction(
    target: ReactionTarget,
    emoji: string,
    on: boolean,
    maxDistinct: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ReactionChange> {
    return manager.transaction(async (manager) => {
      const [message] = await manager.query<Array<{ id: string; type: string; deleted: boolean; member_ids: string[] }>>(
        `SELECT m.id, m.type, m.deleted_at IS NOT NULL AS deleted,
                (SELECT array_agg(members.user_id) FROM chat_members members WHERE members.chat_id = m.chat_id) AS member_ids
           FROM messages m ${memberJoin('m', 'cm', '$3')}
          WHERE m.chat_id = $1 AND m.seq = $2 AND ${visibleTo('m', { userId: '$3', clearedSeq: 'cm.cleared_seq' })}
            FOR NO KEY UPDATE OF m FOR KEY SHARE OF cm`,
        [target.chatId, target.seq, target.userId],
      );
      if (!message) return { kind: 'message-not-found' };
      if (message.type !== 'text' || message.deleted) return { kind: 'not-reactable' };

      const params = [message.id, target.userId, emoji];
      if (on) {
        const [outcome] = await manager.query<Array<{ mine: boolean; inserted: boolean }>>(
          `WITH present AS (
             SELECT count(DISTINCT emoji)::int AS distinct_emoji,
                    min(emoji_added_at) FILTER (WHERE emoji = $3) AS emoji_added_at,
                    coalesce(bool_or(emoji = $3 AND user_id = $2), false) AS mine
               FROM message_reactions WHERE message_id = $1
           ), inserted AS (
             INSERT INTO message_reactions (message_id, user_id, emoji, emoji_added_at)
             SELECT $1, $2, $3, coalesce(emoji_added_at, clock_timestamp())
               FROM present WHERE NOT mine AND (emoji_added_at IS NOT NULL OR distinct_emoji < $4)
             RETURNING 1
           )
           SELECT p.mine, EXISTS (SELECT 1 FROM inserted) AS inserted FROM present p`,
          [...params, maxDistinct],
        );
        if (outcome.mine) return { kind: 'unchanged' };
        if (!outcome.inserted) return { kind: 'limit' };
      } else {
        // TypeORM answers a DELETE with [rows, affected].
        const [, deleted] = await manager.query<[unknown[], number]>(
          `DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3`,
          params,
        );
        if (!deleted) return { kind: 'unchanged' };
      }
      const [summary] = await this.summariesFor([message.id], [target.userId], manager);
      return { kind: 'changed', reactions: summary.map(({ emoji: e, count }) => ({ emoji: e, count })), memberIds: message.member_ids };
    });
  }

  /** Every emoji on the message with its users, in the summaries' order. */
  async usersOf(messageId: string): Promise<ReactionUsers[]> {
    const rows: ReactionUsers[] = await this.dataSource.query(
      `SELECT r.emoji, array_agg(r.user_id ORDER BY r.created_at, r.user_id) AS "userIds"
         FROM message_reactions r
        WHERE r.message_id = $1
        GROUP BY r.emoji
        ORDER BY ${EMOJI_ORDER}`,
      [messageId],
    );
    return rows;
  }
}
