import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { MessageHide } from './message-hide.entity';
import { Message, SystemEvent } from './message.entity';
import { HistoryPageQuery, VISIBLE, historyPageQueryBuilder } from './history-page.query';
import { OthersCursors } from './message-view';

export type { HistoryPageQuery } from './history-page.query';

export type NewMessage = Pick<Message, 'chatId' | 'senderId' | 'type' | 'text'> &
  Partial<Pick<Message, 'event' | 'clientId' | 'forwardedFromChatId' | 'forwardedFromSeq' | 'forwardedFromSenderId'>>;

@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Takes the next `count` seqs of the chat and the time they are stored at. The row lock it takes on
   * the chat serialises the chat's senders until commit, so seqs are gap-free and in commit order.
   * The time is read after the lock (not the transaction's start, which `now()` gives) and never goes
   * back, so `createdAt` follows `seq` and the chat's last activity never moves backwards.
   */
  async allocateSeqs(manager: EntityManager, chatId: string, count: number): Promise<{ first: number; at: Date }> {
    // For UPDATE … RETURNING, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [Array<{ last_seq: number; last_activity_at: Date }>, number] = await manager.query(
      `UPDATE chats
          SET last_seq = last_seq + $2,
              last_activity_at = GREATEST(last_activity_at, date_trunc('milliseconds', clock_timestamp()))
        WHERE id = $1
        RETURNING last_seq, last_activity_at`,
      [chatId, count],
    );
    return { first: rows[0].last_seq - count + 1, at: rows[0].last_activity_at };
  }

  /** Stores messages with consecutive seqs and brings the chat back for members who deleted it. */
  async insertMessages(manager: EntityManager, chatId: string, messages: NewMessage[]): Promise<Message[]> {
    const { first, at } = await this.allocateSeqs(manager, chatId, messages.length);
    const rows = messages.map((m, i) => manager.create(Message, { ...m, chatId, seq: first + i, createdAt: at }));
    const saved = await manager.save(Message, rows, { reload: true });
    await manager.query(`UPDATE chat_members SET hidden = false WHERE chat_id = $1 AND hidden`, [chatId]);
    return saved;
  }

  async insertSystemMessage(manager: EntityManager, chatId: string, event: SystemEvent, text: string): Promise<Message> {
    const [message] = await this.insertMessages(manager, chatId, [
      { chatId, senderId: event.actorId, type: 'system', text, event },
    ]);
    return message;
  }

  /**
   * Puts the sender's own unused uploads on a message, in the order given. Returns false (and
   * changes nothing the caller's transaction keeps) when any id is unknown, someone else's or used.
   */
  async attachUploads(manager: EntityManager, messageId: string, uploaderId: string, attachmentIds: string[]): Promise<boolean> {
    if (!attachmentIds.length) return true;
    const [claimed]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE attachments SET used_at = now()
        WHERE id = ANY($1) AND uploader_id = $2 AND used_at IS NULL AND deleted_at IS NULL RETURNING id`,
      [attachmentIds, uploaderId],
    );
    if (claimed.length !== attachmentIds.length) return false;
    await manager.query(
      `INSERT INTO message_attachments (message_id, attachment_id, position)
       SELECT $1, id, ord::smallint FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord)`,
      [messageId, attachmentIds],
    );
    return true;
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

  findBySeq(chatId: string, seq: number, manager: EntityManager = this.dataSource.manager): Promise<Message | null> {
    return manager.findOneBy(Message, { chatId, seq });
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
    const rows: Array<{ message_id: string; id: string; filename: string; mime_type: string; size: string; sha256: string; created_at: Date }> =
      await this.dataSource.query(
        `SELECT ma.message_id, a.id, a.filename, a.mime_type, a.size, a.sha256, a.created_at
           FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
          WHERE ma.message_id = ANY($1) AND a.deleted_at IS NULL
          ORDER BY ma.message_id, ma.position`,
        [messageIds],
      );
    for (const r of rows) {
      const list = result.get(r.message_id) ?? [];
      list.push({ id: r.id, filename: r.filename, mimeType: r.mime_type, size: Number(r.size), sha256: r.sha256, createdAt: r.created_at.toISOString() });
      result.set(r.message_id, list);
    }
    return result;
  }

  /** min(deliveredSeq), min(readSeq) over the other current members of each chat. */
  async othersCursors(chatIds: string[], viewerId: string): Promise<Map<string, OthersCursors>> {
    const result = new Map<string, OthersCursors>();
    if (!chatIds.length) return result;
    const rows: Array<{ chat_id: string; delivered: number | null; read: number | null }> = await this.dataSource.query(
      `SELECT chat_id, min(delivered_seq) AS delivered, min(read_seq) AS read
         FROM chat_members WHERE chat_id = ANY($1) AND user_id <> $2 GROUP BY chat_id`,
      [chatIds, viewerId],
    );
    for (const r of rows) result.set(r.chat_id, { deliveredSeq: r.delivered ?? 0, readSeq: r.read ?? 0 });
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
