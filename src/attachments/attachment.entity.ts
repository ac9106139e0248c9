import { AttachmentDto } from './dto/attachment.dto';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('attachments')
@Index('ix_attachments_unused', ['createdAt'], { where: '"deleted_at" IS NULL AND "used_at" IS NULL' })
/** The clean-up's work list: deleted, bytes not yet removed. */
@Index('ix_attachments_purge', ['deletedAt'], { where: '"deleted_at" IS NOT NULL AND "purged_at" IS NULL' })
export class Attachment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('ix_attachments_uploader_id')
  @Column({ name: 'uploader_id', type: 'uuid' })
  uploaderId: string;

  @Column({ type: 'varchar', length: 255 })
  filename: string;

  @Column({ name: 'mime_type', type: 'varchar', length: 127 })
  mimeType: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ name: 'storage_key', type: 'varchar', length: 255 })
  storageKey: string;

  /** Set when first put on a message: an attachment goes on one message (forwards copy the reference). */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** Set once the clean-up removed the bytes from storage. */
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true })
  purgedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** The contract's Attachment. */
export function toAttachmentDto(a: Attachment): AttachmentDto {
  return { id: a.id, filename: a.filename, mimeType: a.mimeType, size: a.size, sha256: a.sha256, createdAt: a.createdAt.toISOString() };
}
