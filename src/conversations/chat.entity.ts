import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ChatType = 'direct' | 'group';

@Entity('chats')
@Check('ck_chats_type', `"type" IN ('direct', 'group')`)
@Check('ck_chats_direct_key', `("type" = 'direct') = ("direct_key" IS NOT NULL)`)
export class Chat {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 10 })
  type: ChatType;

  @Column({ type: 'varchar', length: 100, nullable: true })
  title: string | null;

  /** "smallerUserId:largerUserId" of a direct chat: one direct chat per pair, race-safe. */
  @Index('uq_chats_direct_key', { unique: true, where: '"direct_key" IS NOT NULL' })
  @Column({ name: 'direct_key', type: 'varchar', length: 73, nullable: true })
  directKey: string | null;

  /** The seq of the newest message; the next message takes lastSeq + 1 in its own transaction. */
  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq: number;

  @Column({ name: 'member_count', type: 'integer', default: 0 })
  memberCount: number;

  @Column({ name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' })
  lastActivityAt: Date;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
