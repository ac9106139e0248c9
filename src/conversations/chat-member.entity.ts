import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';
import { Chat } from './chat.entity';

export type MemberRole = 'owner' | 'admin' | 'member';

/** Membership plus the member's own cursors and per-user state of the chat. */
@Entity('chat_members')
@Check('ck_chat_members_role', `"role" IN ('owner', 'admin', 'member')`)
@Index('ix_chat_members_user_id', ['userId'])
@Check('ck_chat_members_mute', `"muted" OR "muted_until" IS NULL`)
export class ChatMember {
  @PrimaryColumn({ name: 'chat_id', type: 'uuid' })
  chatId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id' })
  chat?: Chat;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 10, default: 'member' })
  role: MemberRole;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()' })
  joinedAt: Date;

  @Column({ name: 'delivered_seq', type: 'integer', default: 0 })
  deliveredSeq: number;

  @Column({ name: 'read_seq', type: 'integer', default: 0 })
  readSeq: number;

  /** "Delete the dialog for me": messages with seq ≤ clearedSeq are hidden from this member. */
  @Column({ name: 'cleared_seq', type: 'integer', default: 0 })
  clearedSeq: number;

  /** True while the dialog is deleted for this member and no newer message brought it back. */
  @Column({ type: 'boolean', default: false })
  hidden: boolean;

  @Column({ name: 'pinned_at', type: 'timestamptz', nullable: true })
  pinnedAt: Date | null;

  /** Muted by this member: until `mutedUntil`, or until unmuted when that is null. Past `mutedUntil` it has ended by itself. */
  @Column({ type: 'boolean', default: false })
  muted: boolean;

  @Column({ name: 'muted_until', type: 'timestamptz', nullable: true })
  mutedUntil: Date | null;
}
