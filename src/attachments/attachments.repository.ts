import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { entityFromRow } from '../common/raw-rows';
import { memberJoin, visibleTo } from '../common/visibility';
import { Attachment } from './attachment.entity';

export type NewAttachment = Pick<Attachment, 'uploaderId' | 'filename' | 'mimeType' | 'size' | 'sha256' | 'storageKey'>;

/** `:viewerId` sees a message carrying attachment `a`: the one visibility rule, content form, across chats. */
const CARRIED_BY_VISIBLE_MESSAGE = `EXISTS (
  SELECT 1 FROM message_attachments ma
    JOIN messages m ON m.id = ma.message_id
    ${memberJoin('m', 'cm', ':viewerId')}
   WHERE ma.attachment_id = a.id AND ${visibleTo('m', { userId: ':viewerId', clearedSeq: 'cm.cleared_seq' }, { content: true })})`;

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
  async markDeleted(id: string, uploaderId: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(Attachment)
      .update({ id, uploaderId, deletedAt: IsNull() }, { deletedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /** Marks these of the uploader's attachments used, unless already used or deleted; returns those it marked. */
  async claimUnused(manager: EntityManager, uploaderId: string, ids: string[]): Promise<Attachment[]> {
    const result = await manager
      .createQueryBuilder()
      .update(Attachment)
      .set({ usedAt: () => 'now()' })
      .where('id = ANY(:ids) AND uploader_id = :uploaderId AND used_at IS NULL AND deleted_at IS NULL', { ids, uploaderId })
      .returning('*')
      .execute();
    return (result.raw as Array<Record<string, unknown>>).map((r) => entityFromRow(manager, Attachment, r));
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
