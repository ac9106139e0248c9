import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a stored message owes in push notifications, written in the message's own commit by the
 * `messages` trigger of migration 1795613000000 (one row per message that can notify: text or
 * attachments, and `member_added` system messages). The push worker turns each row into deliveries
 * and deletes it. No foreign key: the trigger's insert stays a plain append on the send path.
 */
@Entity('push_outbox')
export class PushOutboxEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId: string;

  @Column({ type: 'integer' })
  seq: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
