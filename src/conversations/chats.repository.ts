import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Message } from './message.entity';
import { ChatMember, MemberRole } from './chat-member.entity';
import { Chat } from './chat.entity';
import { visibleTo } from '../common/visibility';
import { entityFromRow } from '../common/raw-rows';
import { preparedNamed, preparedQuery, sqlTemplate } from '../common/prepared-query';
import { findMutedMembers, mutedNow } from './mute.query';
import { PresentationRow, presentationFromRow, presentationSql } from './history-page.query';
import { MessagePresentation } from './message-view';

/** One row of the chat list: the chat, the caller's membership and what the summary needs. */
export interface ChatListRow {
  chat: Chat;
  member: ChatMember;
  lastMessage: Message | null;
  /** What the last message shows besides its row, for this member (null with no last message). */
  lastShown: MessagePresentation | null;
  unreadCount: number;
  /** The unread messages (as unreadCount counts them) that mention the member, not deleted for everyone. */
  mentionCount: number;
  /** The member has the chat muted now (an `until` passed has ended it). */
  muted: boolean;
  peerId: string | null;
  /** Exact (microsecond) sort keys, for the cursor. */
  pinnedKey: string | null;
  activityKey: string;
}

export interface ChatListCursor {
  /** pinned_at of the last item (UTC, microseconds: "2026-01-31T12:34:56.789012Z"), or null when it was not pinned. */
  p: string | null;
  /** last_activity_at of the last item, in the same form. */
  a: string;
  id: string;
}

/**
 * A timestamptz as exact UTC text with microseconds, whatever the session's DateStyle and TimeZone:
 * PostgreSQL reads it back exactly, and the cursor can check it strictly.
 */
const exactKey = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * unreadCount (and mentionCount) saturate here: counting a million unread messages per chat on every
 * list request would cost a scan each; clients show "999+".
 */
export const UNREAD_COUNT_CAP = 999;

/**
 * SQL: how many messages of the list row `p`'s chat are unread by its member (after the read cursor,
 * from others, visible to them), and also match `where` on `u`; at most UNREAD_COUNT_CAP.
 */
function countUnread(where: string, options: { content?: boolean } = {}): string {
  const viewer = { userId: 'p.user_id', clearedSeq: 'GREATEST(p.read_seq, p.cleared_seq)' };
  return `(SELECT count(*)::int FROM (
            SELECT 1 FROM messages u
             WHERE u.chat_id = p.id AND u.sender_id <> p.user_id ${where} AND ${visibleTo('u', viewer, options)}
             LIMIT ${UNREAD_COUNT_CAP}) unread)`;
}

/** The presentation of a list row's last message (`lm`, its columns as lm_<column>) for the row's member. */
const LAST_MESSAGE_SHOWN = presentationSql({
  id: 'lm.lm_id',
  chatId: 'lm.lm_chat_id',
  replyToSeq: 'lm.lm_reply_to_seq',
  senderId: 'lm.lm_sender_id',
  viewerId: 'p.user_id',
});

@Injectable()
export class ChatsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The membership with its chat: the access check of every chat-scoped request (a prepared statement). */
  async findMembership(chatId: string, userId: string, manager: EntityManager = this.dataSource.manager): Promise<ChatMember | null> {
    const text = sqlTemplate('chats.membership', () =>
      manager
        .createQueryBuilder(ChatMember, 'cm')
        .innerJoinAndSelect('cm.chat', 'c')
        .where('cm.chat_id = :chatId AND cm.user_id = :userId')
        .getQuery(),
    );
    const [row] = await preparedNamed<Record<string, unknown>>(manager, text, { chatId, userId });
    if (!row) return null;
    const member = entityFromRow(manager, ChatMember, row, 'cm_');
    member.chat = entityFromRow(manager, Chat, row, 'c_');
    return member;
  }

  /** Locks the chat row for the rest of the transaction: member changes and sends queue up here. */
  lockChat(manager: EntityManager, chatId: string): Promise<Chat | null> {
    return manager.findOne(Chat, { where: { id: chatId }, lock: { mode: 'pessimistic_write' } });
  }

  findMembers(chatId: string, manager: EntityManager = this.dataSource.manager): Promise<ChatMember[]> {
    return manager.find(ChatMember, { where: { chatId }, order: { joinedAt: 'ASC', userId: 'ASC' } });
  }

  async memberIds(chatId: string, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows = await manager.find(ChatMember, { select: { userId: true }, where: { chatId } });
    return rows.map((r) => r.userId);
  }

  findDirectByKey(directKey: string, manager: EntityManager = this.dataSource.manager): Promise<Chat | null> {
    return manager.findOneBy(Chat, { directKey });
  }

  /** Inserts a direct chat unless the pair has one; null when another request won the race. */
  async insertDirectChat(manager: EntityManager, createdBy: string, directKey: string): Promise<Chat | null> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Chat)
      .values({ type: 'direct', directKey, createdBy, title: null, memberCount: 2 })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (result.raw as Array<{ id: string }>)[0]?.id;
    return id ? manager.findOneByOrFail(Chat, { id }) : null;
  }

  insertGroupChat(manager: EntityManager, createdBy: string, title: string, memberCount: number): Promise<Chat> {
    return manager.save(Chat, manager.create(Chat, { type: 'group', title, createdBy, memberCount }));
  }

  async insertMembers(manager: EntityManager, chatId: string, members: Array<{ userId: string; role: MemberRole }>): Promise<void> {
    if (!members.length) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(ChatMember)
      .values(members.map((m) => ({ chatId, userId: m.userId, role: m.role })))
      .execute();
  }

  async deleteMember(manager: EntityManager, chatId: string, userId: string): Promise<void> {
    await manager.delete(ChatMember, { chatId, userId });
  }

  async setMemberCount(manager: EntityManager, chatId: string, count: number): Promise<void> {
    await manager.update(Chat, { id: chatId }, { memberCount: count });
  }

  async setRole(manager: EntityManager, chatId: string, userId: string, role: MemberRole): Promise<void> {
    await manager.update(ChatMember, { chatId, userId }, { role });
  }

  async setTitle(manager: EntityManager, chatId: string, title: string): Promise<void> {
    await manager.update(Chat, { id: chatId }, { title });
  }

  /** Serialises one user's pin changes, so the pin limit holds under concurrent requests. */
  async lockUserPins(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('pins:' || $1))`, [userId]);
  }

  countPinned(manager: EntityManager, userId: string): Promise<number> {
    return manager.createQueryBuilder(ChatMember, 'cm').where('cm.user_id = :userId AND cm.pinned_at IS NOT NULL', { userId }).getCount();
  }

  async setPinned(manager: EntityManager, chatId: string, userId: string, pinned: boolean): Promise<void> {
    await manager.update(ChatMember, { chatId, userId }, { pinnedAt: pinned ? () => 'now()' : null });
  }

  /** Mutes the chat for the member (until `until`, or until unmuted when null), or unmutes it (`mute` null); false when it was so already. */
  async setMute(chatId: string, userId: string, mute: { until: Date | null } | null): Promise<boolean> {
    const muted = mute !== null;
    const until = mute?.until ?? null;
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ChatMember)
      .set({ muted, mutedUntil: until })
      .where('chat_id = :chatId AND user_id = :userId', { chatId, userId })
      .andWhere('(muted, muted_until) IS DISTINCT FROM (CAST(:muted AS boolean), CAST(:until AS timestamptz))', { muted, until })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Which of these users have the chat muted now. */
  mutedFor(chatId: string, userIds: string[]): Promise<string[]> {
    return findMutedMembers(this.dataSource.manager, chatId, userIds);
  }

  /** "Delete the dialog for me": cut-off at the current last seq, out of the list, unpinned. */
  async clearForMember(chatId: string, userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE chat_members cm SET cleared_seq = c.last_seq, hidden = true, pinned_at = NULL
         FROM chats c WHERE c.id = cm.chat_id AND cm.chat_id = $1 AND cm.user_id = $2`,
      [chatId, userId],
    );
  }

  /** Moves a member's cursor forward only (never past the last message); returns the new value when it moved. */
  async advanceCursor(
    chatId: string,
    userId: string,
    kind: 'read' | 'delivered',
    seq: number,
  ): Promise<{ read: number; delivered: number } | null> {
    const target = 'LEAST($3, c.last_seq)';
    // Reading implies delivery, so a read also moves the delivered cursor.
    const set =
      kind === 'read' ? `read_seq = ${target}, delivered_seq = GREATEST(cm.delivered_seq, ${target})` : `delivered_seq = ${target}`;
    // For UPDATE … RETURNING, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [Array<{ read_seq: number; delivered_seq: number }>, number] = await this.dataSource.query(
      `UPDATE chat_members cm SET ${set}
         FROM chats c
        WHERE c.id = cm.chat_id AND cm.chat_id = $1 AND cm.user_id = $2 AND cm.${kind}_seq < ${target}
        RETURNING cm.read_seq, cm.delivered_seq`,
      [chatId, userId, seq],
    );
    return rows[0] ? { read: rows[0].read_seq, delivered: rows[0].delivered_seq } : null;
  }

  /**
   * One page of a user's chat list in one query: pinned first (newest pin first), then by last
   * activity. The last visible message, unread and mention counts and direct peer come from
   * subqueries on the (chat_id, seq) indexes, so the cost is per page, never a query per chat.
   */
  async findListPage(
    userId: string,
    limit: number,
    cursor: ChatListCursor | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ rows: ChatListRow[]; hasMore: boolean }> {
    const params: unknown[] = [userId];
    let where = 'cm.user_id = $1 AND NOT cm.hidden';
    if (cursor) {
      params.push(cursor.a, cursor.id);
      const a = `$${params.length - 1}::timestamptz`;
      const id = `$${params.length}::uuid`;
      if (cursor.p !== null) {
        params.push(cursor.p);
        const p = `$${params.length}::timestamptz`;
        // Same keys as the ORDER BY: pins made in the same instant fall back to activity, then id.
        where += ` AND ((cm.pinned_at IS NOT NULL AND (cm.pinned_at, c.last_activity_at, c.id) < (${p}, ${a}, ${id})) OR cm.pinned_at IS NULL)`;
      } else {
        where += ` AND cm.pinned_at IS NULL AND (c.last_activity_at, c.id) < (${a}, ${id})`;
      }
    }
    const rows = await this.findListRows(where, params, limit + 1, manager);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** One chat's list row for each of these users who is a member, in the same fixed number of statements. */
  findListRowsOfMembers(chatId: string, userIds: string[]): Promise<ChatListRow[]> {
    return this.findListRows('cm.chat_id = $1 AND cm.user_id = ANY($2)', [chatId, userIds]);
  }

  private async findListRows(
    where: string,
    params: unknown[],
    limit?: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ChatListRow[]> {
    // The rows are chosen first (sort + limit over the memberships asked for); the per-chat lookups
    // (last message with its presentation, peer, counts) and the cursor keys then run for those rows
    // only, in the same statement. Each row's viewer is its member (p.user_id).
    const order = `(pinned_at IS NOT NULL) DESC, pinned_at DESC NULLS LAST, last_activity_at DESC, id DESC`;
    const viewer = { userId: 'p.user_id', clearedSeq: 'p.cleared_seq' };
    // Every column of the last message, as lm_<column> (built once, from the entity's metadata).
    const lastColumns = sqlTemplate('chats.list.last-message-columns', () =>
      this.dataSource
        .getMetadata(Message)
        .columns.map(({ databaseName }) => `m.${databaseName} AS lm_${databaseName}`)
        .join(', '),
    );
    const page = await preparedQuery<PresentationRow>(
      manager,
      `SELECT p.*, lm.*, peer.user_id AS peer_id,
              ${exactKey('p.last_activity_at')} AS activity_key, ${exactKey('p.pinned_at')} AS pinned_key, ${mutedNow('p')} AS muted_now,
              ${countUnread('')} AS unread_count,
              -- "mentions <> '{}'" walks the partial index of messages that mention anyone.
              ${countUnread(`AND u.mentions <> '{}' AND u.mentions @> ARRAY[p.user_id]`, { content: true })} AS mention_count,
              ${LAST_MESSAGE_SHOWN.columns}
         FROM (
           SELECT c.id, c.type, c.title, c.last_seq, c.member_count, c.last_activity_at, c.created_at, c.created_by,
                  cm.user_id, cm.role, cm.joined_at, cm.delivered_seq, cm.read_seq, cm.cleared_seq, cm.hidden, cm.pinned_at,
                  cm.muted, cm.muted_until
             FROM chat_members cm
             JOIN chats c ON c.id = cm.chat_id
            WHERE ${where}
            ORDER BY (cm.pinned_at IS NOT NULL) DESC, cm.pinned_at DESC NULLS LAST, c.last_activity_at DESC, c.id DESC
            ${limit === undefined ? '' : `LIMIT ${limit}`}) p
         LEFT JOIN LATERAL (
           SELECT ${lastColumns} FROM messages m
            WHERE m.chat_id = p.id AND ${visibleTo('m', viewer)}
            ORDER BY m.seq DESC LIMIT 1) lm ON true
         LEFT JOIN LATERAL (
           SELECT o.user_id FROM chat_members o
            WHERE p.type = 'direct' AND o.chat_id = p.id AND o.user_id <> p.user_id LIMIT 1) peer ON true
         ${LAST_MESSAGE_SHOWN.joins}
        ORDER BY ${order}`,
      params,
    );
    const rows = page.map((r) => ({
      chat: entityFromRow(this.dataSource, Chat, r),
      member: entityFromRow(this.dataSource, ChatMember, { ...r, chat_id: r.id }),
      lastMessage: r.lm_id ? entityFromRow(this.dataSource, Message, r, 'lm_') : null,
      lastShown: r.lm_id ? presentationFromRow(this.dataSource, r) : null,
      unreadCount: r.unread_count as number,
      mentionCount: r.mention_count as number,
      muted: r.muted_now as boolean,
      peerId: r.peer_id as string | null,
      pinnedKey: r.pinned_key as string | null,
      activityKey: r.activity_key as string,
    }));
    return rows;
  }
}
