import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Attachment, toAttachmentDto } from '../attachments/attachment.entity';
import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { MessageAttachment } from './message-attachment.entity';
import { MessageEdit } from './message-edit.entity';
import { MessageHide } from './message-hide.entity';
import { Message, SystemEvent } from './message.entity';
import { entityFromRow } from '../common/raw-rows';
import { preparedNamed, preparedQuery, sqlTemplate } from '../common/prepared-query';
import { visibleTo } from '../common/visibility';
import {
  HistoryPageQuery,
  PresentationRow,
  VISIBLE,
  historyShape,
  presentationFromRow,
  presentationSql,
  presentedHistorySql,
  replyFromRow,
} from './history-page.query';
import { MessagePresentation, ReplyTarget } from './message-view';

export type { HistoryPageQuery } from './history-page.query';

export type NewMessage = Pick<Message, 'chatId' | 'senderId' | 'type' | 'text'> &
  Partial<Pick<Message, 'event' | 'clientId' | 'forwardedFromChatId' | 'forwardedFromSeq' | 'forwardedFromSenderId' | 'replyToSeq'>> & {
    /** Refuse the whole statement unless the sender is a member (sends and forwards; not system messages). */
    checkSender?: boolean;
    /**
     * The users the text names, in order: those who are members of the chat when it is stored become
     * its `mentions`.
     */
    mentionIds?: string[];
  };

export interface StoredMessage {
  message: Message;
  /** The chat's member ids at the commit: who the message is announced to. */
  memberIds: string[];
  /** The message it replies to, as stored at the commit. */
  replyTo: ReplyTarget | null;
}

/** A checked sender is not a member of the chat (any more): nothing of the statement was stored. */
export class SenderNotMember extends Error {
  constructor() {
    super('the sender is not a member of the chat');
  }
}

/**
 * A reply's `replyToSeq` is no message its sender can see in that chat (`missing`), or one that takes
 * no replies (`unrepliable`: a system message or a tombstone): nothing of the statement was stored.
 */
export class ReplyRefused extends Error {
  constructor(readonly reason: 'missing' | 'unrepliable') {
    super(`the message replied to is ${reason}`);
  }
}

/** `findPresentation`'s statement: each (message, viewer) pair of $1 and $2, by its ordinal. */
const PRESENTATION_SQL = (() => {
  const { columns, joins } = presentationSql({
    id: 'm.id',
    chatId: 'm.chat_id',
    replyToSeq: 'm.reply_to_seq',
    senderId: 'm.sender_id',
    viewerId: 'p.viewer_id',
  });
  return `SELECT p.i::int - 1 AS i, ${columns}
            FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS p(message_id, viewer_id, i)
            JOIN messages m ON m.id = p.message_id
            ${joins}`;
})();

/** SQLSTATEs app_raise aborts the send statement with. */
const NOT_A_MEMBER = 'P0404';
const REPLY_MISSING = 'P0414';
const REPLY_UNREPLIABLE = 'P0422';

/**
 * SQL: the users of `ids` (a uuid[] expression) who are members of the chat `chatId` now, in the
 * order of `ids`: what a text's mentions are.
 */
const memberMentions = (chatId: string, ids: string) =>
  `(SELECT coalesce(array_agg(x.id ORDER BY x.pos), '{}') FROM unnest(${ids}) WITH ORDINALITY AS x(id, pos)
     WHERE EXISTS (SELECT 1 FROM chat_members mm WHERE mm.chat_id = ${chatId} AND mm.user_id = x.id))`;

/**
 * SQL: queues for the search index (src/search/search-indexer.ts) the messages `source` selects as
 * (chat_id, seq, time of the change): a new text, an edit, a delete for everyone, in the change's
 * own statement, so that the index never misses one. The time keeps a change made while the indexer
 * works on an earlier one of the same message a row of its own.
 */
const queueForSearch = (source: string) => `INSERT INTO message_search_queue (chat_id, seq, marked_at) ${source}`;

/** A uuid[] literal, for a per-row array inside the batch's unnest (which takes no arrays of arrays). */
const uuidArrayLiteral = (ids: string[] | undefined) => (ids?.length ? `{${ids.join(',')}}` : null);

@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The manager outside any transaction: each statement commits by itself. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * THE seq allocation: stores messages, possibly for several chats, in ONE statement (one round
   * trip, one commit when run outside a transaction). Each chat's row is locked in id order (so
   * concurrent statements never deadlock) and its `last_seq` bumped by its count; each chat's
   * messages get consecutive seqs in the order given, with a time read after the lock that never
   * goes back (so `createdAt` follows `seq`); members who deleted the dialog get it back; and the
   * sender of every item with `checkSender` must be a member, checked under those locks with a row
   * lock on the membership, so a removal committed meanwhile is seen. A reply (a checked sender's)
   * must answer a text message of the same chat, not deleted for everyone, that its sender can see;
   * a text's mentions are the named users who are members now.
   *
   * All or nothing: returns null, storing nothing, when a chat does not exist; throws
   * SenderNotMember or ReplyRefused (app_raise aborts the statement whole) when a checked sender is
   * not a member or a reply has no message to answer; a clientId used before fails on
   * `uq_messages_client_id`. Else the messages in the order given, each with its chat's member ids
   * and the message it replies to.
   */
  async allocateAndInsert(items: NewMessage[], manager: EntityManager = this.dataSource.manager): Promise<StoredMessage[] | null> {
    if (!items.length) return [];
    const column = <K extends keyof NewMessage>(key: K) => items.map((m) => m[key] ?? null);
    // The reply check and the mentions cost planning and joins: a statement with neither (the plain
    // text send, a system message) leaves them out and stays the statement it was before them.
    const replying = items.some((m) => m.replyToSeq != null);
    const mentioning = items.some((m) => m.mentionIds?.length);
    const replies = {
      cte: `, replies AS (
           SELECT n.ord, t.seq, t.sender_id, t.type, t.text, t.deleted_at
             FROM numbered n
             JOIN senders s ON s.chat_id = n.chat_id AND s.user_id = n.sender_id
             JOIN messages t ON t.chat_id = n.chat_id AND t.seq = n.reply_to_seq
            WHERE ${visibleTo('t', { userId: 'n.sender_id', clearedSeq: 's.cleared_seq' })}
         )`,
      join: 'LEFT JOIN replies r ON r.ord = n.ord',
      checks: `WHEN n.reply_to_seq IS NULL THEN true
                    WHEN r.ord IS NULL THEN app_raise('${REPLY_MISSING}', 'no such message to reply to')
                    WHEN r.type <> 'text' OR r.deleted_at IS NOT NULL THEN app_raise('${REPLY_UNREPLIABLE}', 'this message takes no replies')`,
      columns: ', r.seq AS reply_seq, r.sender_id AS reply_sender_id, r.text AS reply_text, r.deleted_at AS reply_deleted_at',
      finalJoins: `LEFT JOIN numbered n ON n.chat_id = ins.chat_id AND n.seq = ins.seq
           LEFT JOIN replies r ON r.ord = n.ord`,
    };
    const when = (fragment: string) => (replying ? fragment : '');
    const mentions = mentioning
      ? `CASE WHEN n.mention_ids IS NULL THEN '{}' ELSE ${memberMentions('n.chat_id', 'n.mention_ids::uuid[]')} END`
      : `'{}'`;
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await preparedQuery(
        manager,
        `WITH input AS (
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::text[], $5::jsonb[], $6::uuid[],
                                $7::uuid[], $8::int[], $9::uuid[], $10::bool[], $11::int[], $12::text[])
                  WITH ORDINALITY AS t(chat_id, sender_id, type, text, event, client_id, ff_chat, ff_seq, ff_sender, check_sender,
                                       reply_to_seq, mention_ids, ord)
         ), counts AS (
           SELECT chat_id, count(*)::int AS n FROM input GROUP BY chat_id
         ), locked AS (
           SELECT ch.id FROM chats ch WHERE ch.id IN (SELECT chat_id FROM counts) ORDER BY ch.id FOR UPDATE
         ), c AS (
           UPDATE chats ch
              SET last_seq = ch.last_seq + counts.n,
                  last_activity_at = GREATEST(ch.last_activity_at, date_trunc('milliseconds', clock_timestamp()))
             FROM counts
            WHERE ch.id = counts.chat_id AND (SELECT count(*) FROM locked) = (SELECT count(*) FROM counts)
            RETURNING ch.id, ch.last_seq - counts.n AS seq_base, ch.last_activity_at
         ), numbered AS (
           SELECT i.*, c.seq_base + row_number() OVER (PARTITION BY i.chat_id ORDER BY i.ord) AS seq, c.last_activity_at
             FROM input i JOIN c ON c.id = i.chat_id
         ), senders AS (
           SELECT cm.chat_id, cm.user_id, cm.cleared_seq FROM chat_members cm
            WHERE (cm.chat_id, cm.user_id) IN (SELECT chat_id, sender_id FROM numbered WHERE check_sender)
            FOR KEY SHARE OF cm
         )${when(replies.cte)}, unhide AS (
           UPDATE chat_members SET hidden = false WHERE chat_id IN (SELECT id FROM c) AND hidden
         ), ins AS (
           INSERT INTO messages (chat_id, seq, sender_id, type, text, event, client_id,
                                 forwarded_from_chat_id, forwarded_from_seq, forwarded_from_sender_id, reply_to_seq, mentions, created_at)
           SELECT n.chat_id, n.seq, n.sender_id, n.type, n.text, n.event, n.client_id, n.ff_chat, n.ff_seq, n.ff_sender, n.reply_to_seq,
                  ${mentions}, n.last_activity_at
             FROM numbered n ${when(replies.join)}
            -- CASE, not AND: its branches are tried in this order, so a non-member hears of its membership first.
            WHERE CASE
                    WHEN (SELECT count(DISTINCT (chat_id, sender_id)) FROM numbered WHERE check_sender) <> (SELECT count(*) FROM senders)
                      THEN app_raise('${NOT_A_MEMBER}', 'not a member')
                    ${when(replies.checks)}
                    ELSE true
                  END
           RETURNING *
         ), queued AS (
           ${queueForSearch("SELECT chat_id, seq, created_at FROM ins WHERE type = 'text'")}
         )
         SELECT ins.*, m.member_ids${when(replies.columns)}
           FROM ins JOIN (SELECT chat_id, array_agg(user_id) AS member_ids FROM chat_members
                           WHERE chat_id IN (SELECT id FROM c) GROUP BY chat_id) m ON m.chat_id = ins.chat_id
           ${when(replies.finalJoins)}
          ORDER BY ins.chat_id, ins.seq`,
        [
          column('chatId'),
          column('senderId'),
          column('type'),
          column('text'),
          items.map((m) => (m.event ? JSON.stringify(m.event) : null)),
          column('clientId'),
          column('forwardedFromChatId'),
          column('forwardedFromSeq'),
          column('forwardedFromSenderId'),
          items.map((m) => m.checkSender ?? false),
          column('replyToSeq'),
          items.map((m) => uuidArrayLiteral(m.mentionIds)),
        ],
      );
    } catch (err) {
      const code = (err as { driverError?: { code?: string } }).driverError?.code;
      if (code === NOT_A_MEMBER) throw new SenderNotMember();
      if (code === REPLY_MISSING) throw new ReplyRefused('missing');
      if (code === REPLY_UNREPLIABLE) throw new ReplyRefused('unrepliable');
      throw err;
    }
    if (rows.length !== items.length) return null;
    // Rows come per chat in seq order, which is each chat's input order: hand them back in input order.
    const perChat = new Map<string, Array<Record<string, unknown>>>();
    for (const r of rows) perChat.set(r.chat_id as string, [...(perChat.get(r.chat_id as string) ?? []), r]);
    return items.map((item) => {
      const r = perChat.get(item.chatId)!.shift()!;
      return {
        message: this.fromRow(r),
        memberIds: r.member_ids as string[],
        replyTo: r.reply_seq == null ? null : replyFromRow(this.dataSource, r),
      };
    });
  }

  private fromRow(r: Record<string, unknown>): Message {
    return entityFromRow(this.dataSource, Message, r);
  }

  /** A system message recording a change to the chat, in the caller's transaction (the actor need not be a member any more). */
  async insertSystemMessage(manager: EntityManager, chatId: string, event: SystemEvent, text: string): Promise<Message> {
    const stored = await this.allocateAndInsert([{ chatId, senderId: event.actorId, type: 'system', text, event }], manager);
    return stored![0].message;
  }

  /** Puts claimed uploads on a message, in the order given (the claim is the attachments module's). */
  async linkAttachments(manager: EntityManager, messageId: string, attachmentIds: string[]): Promise<void> {
    if (!attachmentIds.length) return;
    await manager.query(
      `INSERT INTO message_attachments (message_id, attachment_id, position)
       SELECT $1, id, ord::smallint FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord)`,
      [messageId, attachmentIds],
    );
  }

  /** The messages (not deleted for everyone) that carry an attachment: the original and its forwards. */
  findCarrying(attachmentId: string): Promise<Message[]> {
    return this.dataSource
      .getRepository(Message)
      .createQueryBuilder('m')
      .innerJoin(MessageAttachment, 'ma', 'ma.message_id = m.id')
      .where('ma.attachment_id = :attachmentId AND m.deleted_at IS NULL', { attachmentId })
      .orderBy('m.chat_id')
      .addOrderBy('m.seq')
      .getMany();
  }

  /** A forward carries the same attachments: the references are copied, not the files. */
  async copyAttachments(manager: EntityManager, pairs: Array<{ from: string; to: string }>): Promise<void> {
    if (!pairs.length) return;
    await manager.query(
      `INSERT INTO message_attachments (message_id, attachment_id, position)
       SELECT p.to_id, ma.attachment_id, ma.position
         FROM unnest($1::uuid[], $2::uuid[]) AS p(from_id, to_id)
         JOIN message_attachments ma ON ma.message_id = p.from_id`,
      [pairs.map((p) => p.from), pairs.map((p) => p.to)],
    );
  }

  /** The messages of these seqs that `viewer` can see, in ascending seq. */
  findVisibleBySeqs(chatId: string, seqs: number[], viewerId: string, clearedSeq: number): Promise<Message[]> {
    return this.dataSource
      .getRepository(Message)
      .createQueryBuilder('m')
      .where('m.chat_id = :chatId AND m.seq = ANY(:seqs)', { chatId, seqs })
      .andWhere(VISIBLE, { viewerId, clearedSeq })
      .orderBy('m.seq', 'ASC')
      .getMany();
  }

  findByClientId(chatId: string, senderId: string, clientId: string): Promise<Message | null> {
    return this.dataSource.getRepository(Message).findOneBy({ chatId, senderId, clientId });
  }

  /**
   * A keyset page on (chat_id, seq) (the newest `limit` before `before`, or the oldest after `after`) with each message's presentation, in one statement
   * (`presentedHistorySql`), oldest first.
   */
  async findHistoryPage(
    q: HistoryPageQuery,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ items: Array<{ message: Message; shown: MessagePresentation }>; hasMore: boolean }> {
    const text = sqlTemplate(historyShape(q), () => presentedHistorySql(manager.getRepository(Message), q));
    const rows = await preparedNamed<PresentationRow>(manager, text, {
      chatId: q.chatId,
      viewerId: q.viewerId,
      clearedSeq: q.clearedSeq,
      before: q.before,
      after: q.after,
    });
    const hasMore = rows.length > q.limit;
    const items = rows
      .slice(0, q.limit)
      .map((r) => ({ message: entityFromRow(manager, Message, r, 'm_'), shown: presentationFromRow(manager, r) }));
    if (q.after === undefined) items.reverse();
    return { items, hasMore };
  }

  /** Attachments each message carries (removed ones left out), in their order on the message. */
  async findAttachments(messageIds: string[]): Promise<Map<string, AttachmentDto[]>> {
    const result = new Map<string, AttachmentDto[]>();
    if (!messageIds.length) return result;
    const rows: Array<Record<string, unknown> & { message_id: string }> = await this.dataSource.query(
      `SELECT ma.message_id, a.*
           FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
          WHERE ma.message_id = ANY($1) AND a.deleted_at IS NULL
          ORDER BY ma.message_id, ma.position`,
      [messageIds],
    );
    for (const r of rows) {
      const list = result.get(r.message_id) ?? [];
      list.push(toAttachmentDto(entityFromRow(this.dataSource, Attachment, r)));
      result.set(r.message_id, list);
    }
    return result;
  }

  /**
   * Everything a message object shows besides its own row, for each message as its viewer sees it
   * (`pairs[i]`), aligned with the input, in ONE statement for any number of messages: its
   * attachments (removed ones left out, in their order), its reactions (per emoji, in the order the
   * message got them, `me` for the viewer), the message it replies to as it is now, and, on the
   * viewer's own messages, how far the chat's other current members have got (the status ticks).
   */
  async findPresentation(pairs: Array<{ messageId: string; viewerId: string }>): Promise<MessagePresentation[]> {
    if (!pairs.length) return [];
    const rows = await preparedQuery<PresentationRow & { i: number }>(this.dataSource.manager, PRESENTATION_SQL, [
      pairs.map((p) => p.messageId),
      pairs.map((p) => p.viewerId),
    ]);
    const result = pairs.map((): MessagePresentation => ({ attachments: [], reactions: [], replyTo: null, others: null }));
    for (const r of rows) result[r.i] = presentationFromRow(this.dataSource, r);
    return result;
  }

  async hideForUser(userId: string, chatId: string, seq: number): Promise<void> {
    await this.dataSource.getRepository(MessageHide).upsert({ userId, chatId, seq }, ['userId', 'chatId', 'seq']);
  }

  async markDeletedForEveryone(id: string): Promise<void> {
    await this.dataSource.query(
      `WITH deleted AS (
         UPDATE messages SET deleted_at = now() WHERE id = $1 RETURNING chat_id, seq, type
       )
       ${queueForSearch("SELECT chat_id, seq, clock_timestamp() FROM deleted WHERE type = 'text'")}`,
      [id],
    );
  }

  /**
   * Replaces the text unless the message was deleted for everyone meanwhile (null then), in one
   * statement: the replaced text goes to the edit history with the new `edited_at`, and the mentions
   * are those of `mentionIds` who are members now. The row lock orders concurrent edits.
   */
  async editText(id: string, text: string, mentionIds: string[]): Promise<Message | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH old AS (
         SELECT id, text FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE
       ), upd AS (
         UPDATE messages m
            SET text = $2, mentions = ${memberMentions('m.chat_id', '$3::uuid[]')}, edited_at = clock_timestamp()
           FROM old WHERE m.id = old.id
          RETURNING m.*, old.text AS replaced_text
       ), kept AS (
         INSERT INTO message_edits (message_id, text, edited_at) SELECT id, replaced_text, edited_at FROM upd
       ), queued AS (
         ${queueForSearch('SELECT chat_id, seq, edited_at FROM upd')}
       )
       SELECT * FROM upd`,
      [id, text, mentionIds],
    );
    return rows[0] ? this.fromRow(rows[0]) : null;
  }

  /** The texts edits replaced, oldest first; none once the message is deleted for everyone (the rows stay). */
  findEdits(messageId: string): Promise<MessageEdit[]> {
    return this.dataSource
      .getRepository(MessageEdit)
      .createQueryBuilder('e')
      .innerJoin(Message, 'm', 'm.id = e.message_id AND m.deleted_at IS NULL')
      .where('e.message_id = :messageId', { messageId })
      .orderBy('e.id', 'ASC')
      .getMany();
  }

  findById(id: string): Promise<Message | null> {
    return this.dataSource.getRepository(Message).findOneBy({ id });
  }
}
