import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Message } from '../messages/message.entity';
import { Attachment } from './attachment.entity';

export type NewAttachment = Pick<Attachment, 'uploaderId' | 'filename' | 'mimeType' | 'size' | 'sha256' | 'storageKey'>;

/**
 * `:viewerId` may see message `m`: a member of its chat, after their dialog cut-off, not deleted
 * for them, and the message not deleted for everyone.
 */
const CARRIED_BY_VISIBLE_MESSAGE = `EXISTS (
  SELECT 1 FROM message_attachments ma
    JOIN messages m ON m.id = ma.message_id AND m.deleted_at IS NULL
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = :viewerId AND m.seq > cm.cleared_seq
   WHERE ma.attachment_id = a.id
     AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :viewerId AND h.chat_id = m.chat_id AND h.seq = m.seq))`;

@Injectable()
export class AttachmentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  insert(row: NewAttachment): Promise<Attachment> {
    const repo = this.dataSource.getRepository(Attachment);
    return repo.save(repo.create(row), { reload: true });
  }

  /** The attachment when `viewerId` may download it: its uploader, or a member who sees a message carrying it. */
  findReadable(id: string, viewerId: string): Promise<Attachment | null> {
    return this.dataSource
      .getRepository(Attachment)
      .createQueryBuilder('a')
      .where('a.id = :id AND a.deleted_at IS NULL AND a.purged_at IS NULL', { id })
      .andWhere(`(a.uploader_id = :viewerId OR ${CARRIED_BY_VISIBLE_MESSAGE})`, { viewerId })
      .getOne();
  }

  /** Flags the uploader's attachment as deleted; false when it is unknown, someone else's or already deleted. */
  async markDeleted(manager: EntityManager, id: string, uploaderId: string): Promise<boolean> {
    // For UPDATE … RETURNING, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE attachments SET deleted_at = now() WHERE id = $1 AND uploader_id = $2 AND deleted_at IS NULL RETURNING id`,
      [id, uploaderId],
    );
    return rows.length > 0;
  }

  /** The messages (not deleted for everyone) that carry the attachment: the original and its forwards. */
  findCarryingMessages(manager: EntityManager, attachmentId: string): Promise<Message[]> {
    return manager
      .getRepository(Message)
      .createQueryBuilder('m')
      .innerJoin('message_attachments', 'ma', 'ma.message_id = m.id')
      .where('ma.attachment_id = :attachmentId AND m.deleted_at IS NULL', { attachmentId })
      .orderBy('m.chat_id')
      .addOrderBy('m.seq')
      .getMany();
  }

  /**
   * Uploads never put on a message for `ttlMs` (by the database's clock) are flagged deleted, so they
   * can no longer be attached: a send that claimed one first keeps it (the row lock orders the two).
   */
  async expireUnused(ttlMs: number): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `UPDATE attachments SET deleted_at = now()
        WHERE deleted_at IS NULL AND used_at IS NULL AND created_at < now() - $1 * interval '1 millisecond'`,
      [ttlMs],
    );
    return count;
  }

  /** Deleted attachments whose bytes are still stored. */
  findPurgeable(limit: number): Promise<Array<Pick<Attachment, 'id' | 'storageKey'>>> {
    return this.dataSource
      .getRepository(Attachment)
      .createQueryBuilder('a')
      .select(['a.id', 'a.storageKey'])
      .where('a.deleted_at IS NOT NULL AND a.purged_at IS NULL')
      .orderBy('a.deleted_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  async markPurged(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(`UPDATE attachments SET purged_at = now() WHERE id = ANY($1) AND purged_at IS NULL`, [ids]);
  }
}
