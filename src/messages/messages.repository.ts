import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { MessageHide } from './message-hide.entity';
import { Message, SystemEvent } from './message.entity';
import { entityFromRow } from '../database/raw-rows';
import { HistoryPageQuery, VISIBLE, historyPageQueryBuilder } from './history-page.query';
import { OthersCursors } from './message-view';

export type { HistoryPageQuery } from './history-page.query';

export type NewMessage = Pick<Message, 'chatId' | 'senderId' | 'type' | 'text'> &
  Partial<Pick<Message, 'event' | 'clientId' | 'forwardedFromChatId' | 'forwardedFromSeq' | 'forwardedFromSenderId'>>;

interface AttachmentRow {
  id: string;
  filename: string;
  mime_type: string;
  size: string;
  sha256: string;
  created_at: Date;
}

function attachmentFromRow(a: AttachmentRow): AttachmentDto {
  return {
    id: a.id,
    filename: a.filename,
    mimeType: a.mime_type,
    size: Number(a.size),
    sha256: a.sha256,
    createdAt: a.created_at.toISOString(),
  };
}

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
   * Stores messages with the chat's next consecutive seqs, in ONE statement (one round trip, no
   * explicit transaction needed): the UPDATE of the chat row takes its lock (serialising the chat's
   * senders until commit, so seqs are gap-free and in commit order), members who deleted the dialog
   * get it back, and the rows are inserted. The time is read after the lock (not the transaction's
   * start, which `now()` gives) and never goes back, so `createdAt` follows `seq`.
   *
   * With `senderMustBeMember`, the statement also checks that this user is a member, after taking the
   * chat's lock and with a row lock on the membership, so a removal committed meanwhile is seen; if
   * not, app_raise aborts the statement and nothing of it stays. Returns null when the chat does not
   * exist or the check fails; else the messages and the chat's member ids.
   */
  async insertMessages(
    manager: EntityManager,
    chatId: string,
    messages: NewMessage[],
    senderMustBeMember?: string,
  ): Promise<{ messages: Message[]; memberIds: string[] } | null> {
    const column = <K extends keyof NewMessage>(key: K) => messages.map((m) => m[key] ?? null);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await manager.query(
        `WITH c AS (
           UPDATE chats
              SET last_seq = last_seq + $2,
                  last_activity_at = GREATEST(last_activity_at, date_trunc('milliseconds', clock_timestamp()))
            WHERE id = $1
            RETURNING last_seq - $2 AS seq_base, last_activity_at
         ), sender AS (
           SELECT cm.user_id FROM chat_members cm, c WHERE cm.chat_id = $1 AND cm.user_id = $11 FOR KEY SHARE OF cm
         ), unhide AS (
           UPDATE chat_members SET hidden = false WHERE chat_id = $1 AND hidden AND EXISTS (SELECT 1 FROM c)
         ), ins AS (
           INSERT INTO messages (chat_id, seq, sender_id, type, text, event, client_id,
                                 forwarded_from_chat_id, forwarded_from_seq, forwarded_from_sender_id, created_at)
           SELECT $1, c.seq_base + t.ord, t.sender_id, t.type, t.text, t.event, t.client_id, t.ff_chat, t.ff_seq, t.ff_sender, c.last_activity_at
             FROM c, unnest($3::uuid[], $4::varchar[], $5::text[], $6::jsonb[], $7::uuid[], $8::uuid[], $9::int[], $10::uuid[])
                     WITH ORDINALITY AS t(sender_id, type, text, event, client_id, ff_chat, ff_seq, ff_sender, ord)
            WHERE $11::uuid IS NULL OR EXISTS (SELECT 1 FROM sender) OR app_raise('P0404', 'not a member')
           RETURNING *
         )
         SELECT ins.*, (SELECT array_agg(user_id) FROM chat_members WHERE chat_id = $1) AS member_ids FROM ins`,
        [
          chatId,
          messages.length,
          column('senderId'),
          column('type'),
          column('text'),
          messages.map((m) => (m.event ? JSON.stringify(m.event) : null)),
          column('clientId'),
          column('forwardedFromChatId'),
          column('forwardedFromSeq'),
          column('forwardedFromSenderId'),
          senderMustBeMember ?? null,
        ],
      );
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === 'P0404') return null;
      throw err;
    }
    if (!rows.length) return null;
    return { messages: rows.map((r) => this.fromRow(r)).sort((a, b) => a.seq - b.seq), memberIds: rows[0].member_ids as string[] };
  }

  /**
   * Many plain text sends, possibly to different chats, in ONE statement and one commit (the send
   * coalescer's batch). Each chat's row is locked in id order first (so concurrent batches never
   * deadlock), each chat's messages get consecutive seqs in the order given, and every sender's
   * membership is checked under those locks as in `insertMessages`. All or nothing: returns null, and
   * stores nothing, when a chat is missing; throws when a sender is not a member (P0404) or a clientId
   * was already used; the caller then stores the items one by one to answer each on its own.
   */
  async insertTextBatch(
    items: Array<{ chatId: string; senderId: string; text: string; clientId: string }>,
  ): Promise<Array<{ message: Message; memberIds: string[] }> | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[]) WITH ORDINALITY AS t(chat_id, sender_id, text, client_id, ord)
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
         SELECT i.chat_id, i.sender_id, i.text, i.client_id,
                c.seq_base + row_number() OVER (PARTITION BY i.chat_id ORDER BY i.ord) AS seq, c.last_activity_at
           FROM input i JOIN c ON c.id = i.chat_id
       ), senders AS (
         SELECT cm.chat_id, cm.user_id FROM chat_members cm
          WHERE (cm.chat_id, cm.user_id) IN (SELECT chat_id, sender_id FROM numbered)
          FOR KEY SHARE OF cm
       ), unhide AS (
         UPDATE chat_members SET hidden = false WHERE chat_id IN (SELECT id FROM c) AND hidden
       ), ins AS (
         INSERT INTO messages (chat_id, seq, sender_id, type, text, client_id, created_at)
         SELECT n.chat_id, n.seq, n.sender_id, 'text', n.text, n.client_id, n.last_activity_at FROM numbered n
          WHERE (SELECT count(DISTINCT (chat_id, sender_id)) FROM numbered) = (SELECT count(*) FROM senders)
             OR app_raise('P0404', 'not a member')
         RETURNING *
       )
       SELECT ins.*, m.member_ids
         FROM ins JOIN (SELECT chat_id, array_agg(user_id) AS member_ids FROM chat_members
                         WHERE chat_id IN (SELECT id FROM c) GROUP BY chat_id) m ON m.chat_id = ins.chat_id`,
      [items.map((i) => i.chatId), items.map((i) => i.senderId), items.map((i) => i.text), items.map((i) => i.clientId)],
    );
    if (rows.length !== items.length) return null;
    const byKey = new Map(rows.map((r) => [`${r.chat_id}|${r.sender_id}|${r.client_id}`, r]));
    return items.map((i) => {
      const r = byKey.get(`${i.chatId}|${i.senderId}|${i.clientId}`)!;
      return { message: this.fromRow(r), memberIds: r.member_ids as string[] };
    });
  }

  private fromRow(r: Record<string, unknown>): Message {
    return entityFromRow(this.dataSource, Message, r);
  }

  async insertSystemMessage(manager: EntityManager, chatId: string, event: SystemEvent, text: string): Promise<Message> {
    const stored = await this.insertMessages(manager, chatId, [{ chatId, senderId: event.actorId, type: 'system', text, event }]);
    return stored!.messages[0];
  }

  /**
   * Puts the sender's own unused uploads on a message, in the order given, and returns them. Returns
   * null (and the caller rolls back) when any id is unknown, someone else's or already used.
   */
  async attachUploads(
    manager: EntityManager,
    messageId: string,
    uploaderId: string,
    attachmentIds: string[],
  ): Promise<AttachmentDto[] | null> {
    if (!attachmentIds.length) return [];
    const [claimed]: [AttachmentRow[], number] = await manager.query(
      `UPDATE attachments SET used_at = now()
          WHERE id = ANY($1) AND uploader_id = $2 AND used_at IS NULL AND deleted_at IS NULL
          RETURNING id, filename, mime_type, size, sha256, created_at`,
      [attachmentIds, uploaderId],
    );
    if (claimed.length !== attachmentIds.length) return null;
    await manager.query(
      `INSERT INTO message_attachments (message_id, attachment_id, position)
       SELECT $1, id, ord::smallint FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord)`,
      [messageId, attachmentIds],
    );
    const byId = new Map(claimed.map((a) => [a.id, attachmentFromRow(a)]));
    return attachmentIds.map((id) => byId.get(id)!);
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

  /** Keyset page on (chat_id, seq): the newest `limit` before `before`, or the oldest after `after`. */
  async findHistoryPage(q: HistoryPageQuery): Promise<{ items: Message[]; hasMore: boolean }> {
    const qb = historyPageQueryBuilder(this.dataSource.getRepository(Message), q);
    const rows = await qb.getMany();
    const hasMore = rows.length > q.limit;
    const items = rows.slice(0, q.limit);
    if (q.after === undefined) items.reverse();
    return { items, hasMore };
  }

  /** Attachments each message carries (removed ones left out), in their order on the message. */
  async findAttachments(messageIds: string[]): Promise<Map<string, AttachmentDto[]>> {
    const result = new Map<string, AttachmentDto[]>();
    if (!messageIds.length) return result;
    const rows: Array<AttachmentRow & { message_id: string }> = await this.dataSource.query(
      `SELECT ma.message_id, a.id, a.filename, a.mime_type, a.size, a.sha256, a.created_at
           FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
          WHERE ma.message_id = ANY($1) AND a.deleted_at IS NULL
          ORDER BY ma.message_id, ma.position`,
      [messageIds],
    );
    for (const r of rows) {
      const list = result.get(r.message_id) ?? [];
      list.push(attachmentFromRow(r));
      result.set(r.message_id, list);
    }
    return result;
  }

  /** min(deliveredSeq), min(readSeq) over the other current members of each chat, for each viewer; keyed `chatId|viewerId`. */
  async othersCursors(pairs: Array<{ chatId: string; viewerId: string }>): Promise<Map<string, OthersCursors>> {
    const result = new Map<string, OthersCursors>();
    if (!pairs.length) return result;
    const rows: Array<{ chat_id: string; viewer_id: string; delivered: number | null; read: number | null }> = await this.dataSource.query(
      `SELECT v.chat_id, v.viewer_id, min(cm.delivered_seq) AS delivered, min(cm.read_seq) AS read
         FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS t(chat_id, viewer_id)) v
         JOIN chat_members cm ON cm.chat_id = v.chat_id AND cm.user_id <> v.viewer_id
        GROUP BY v.chat_id, v.viewer_id`,
      [pairs.map((p) => p.chatId), pairs.map((p) => p.viewerId)],
    );
    for (const r of rows) result.set(`${r.chat_id}|${r.viewer_id}`, { deliveredSeq: r.delivered ?? 0, readSeq: r.read ?? 0 });
    return result;
  }

  async hideForUser(userId: string, chatId: string, seq: number): Promise<void> {
    await this.dataSource.getRepository(MessageHide).upsert({ userId, chatId, seq }, ['userId', 'chatId', 'seq']);
  }

  async markDeletedForEveryone(id: string): Promise<void> {
    await this.dataSource.getRepository(Message).update({ id }, { deletedAt: () => 'now()' });
  }

  /** Sets the text unless the message was deleted for everyone meanwhile; false then. */
  async updateText(id: string, text: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(Message).update({ id, deletedAt: IsNull() }, { text, editedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  findById(id: string): Promise<Message | null> {
    return this.dataSource.getRepository(Message).findOneBy({ id });
  }
}
