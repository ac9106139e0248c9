import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PushSubscription } from './push-subscription.entity';

export type PushKind = 'message' | 'read';

/**
 * One push owed to one subscription: a message, or a "read" that lets the user's other devices clear
 * their notifications of the chat. A worker claims due rows by moving `next_attempt_at` forward by
 * a lease (SKIP LOCKED), so a worker that dies mid-send leaves them due again when the lease ends;
 * a sent or dropped push is deleted, a failed one gets its next attempt time.
 */
@Entity('push_deliveries')
@Check('ck_push_deliveries_kind', `"kind" IN ('message', 'read') AND ("kind" = 'read') = ("message_id" IS NULL)`)
@Index('ix_push_deliveries_due', ['nextAttemptAt'])
@Index('uq_push_deliveries_message', ['subscriptionId', 'messageId'], { unique: true, where: '"message_id" IS NOT NULL' })
export class PushDelivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Index('ix_push_deliveries_subscription_id')
  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @ManyToOne(() => PushSubscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: PushSubscription;

  @Column({ type: 'varchar', length: 10 })
  kind: PushKind;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId: string;

  /** The message's seq, or the read cursor's. */
  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId: string | null;

  /** The message mentions the recipient (Urgency high, and it passed a mute). */
  @Column({ type: 'boolean', default: false })
  mention: boolean;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /** PUSH_TTL_SECONDS after the message was stored: no attempt after this. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
