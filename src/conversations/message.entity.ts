import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Chat } from './chat.entity';

export type MessageType = 'text' | 'system';

export interface SystemEvent {
  kind: 'created' | 'member_added' | 'member_removed' | 'member_left' | 'renamed';
  actorId: string;
  userIds?: string[];
  title?: string;
}

@Entity('messages')
@Check('ck_messages_type', `"type" IN ('text', 'system')`)
@Check('ck_messages_seq', `"seq" > 0`)
@Index('uq_messages_chat_seq', ['chatId', 'seq'], { unique: true })
@Index('uq_messages_client_id', ['chatId', 'senderId', 'clientId'], { unique: true, where: '"client_id" IS NOT NULL' })
@Check('ck_messages_reply_to_seq', `"reply_to_seq" IS NULL OR "reply_to_seq" < "seq"`)
// Only messages that mention someone: mentionCount walks a chat's unread ones, not every unread message.
@Index('ix_messages_mentioned', ['chatId', 'seq'], { where: `"mentions" <> '{}'` })
export class Message {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId: string;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id' })
  chat?: Chat;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'sender_id', type: 'uuid' })
  senderId: string;

  @Column({ type: 'varchar', length: 10, default: 'text' })
  type: MessageType;

  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ type: 'jsonb', nullable: true })
  event: SystemEvent | null;

  @Column({ name: 'client_id', type: 'uuid', nullable: true })
  clientId: string | null;

  @Column({ name: 'forwarded_from_chat_id', type: 'uuid', nullable: true })
  forwardedFromChatId: string | null;

  @Column({ name: 'forwarded_from_seq', type: 'integer', nullable: true })
  forwardedFromSeq: number | null;

  @Column({ name: 'forwarded_from_sender_id', type: 'uuid', nullable: true })
  forwardedFromSenderId: string | null;

  /** The message of the same chat this one replies to. */
  @Column({ name: 'reply_to_seq', type: 'integer', nullable: true })
  replyToSeq: number | null;

  /** Ids of the members named as @username, in order of first appearance (parsed on send and edit). */
  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  mentions: string[];

  @Column({ name: 'edited_at', type: 'timestamptz', nullable: true })
  editedAt: Date | null;

  /** Deleted for everyone: the row stays as a tombstone. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
