import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Session } from '../auth/session.entity';
import { User } from '../users/user.entity';

/**
 * A browser's Web Push subscription (RFC 8030), kept for the session (device) that stored it: logout
 * removes it. An endpoint is one browser's push channel, so it belongs to one session at a time.
 */
@Entity('push_subscriptions')
@Index('uq_push_subscriptions_endpoint', ['endpoint'], { unique: true })
export class PushSubscription {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('ix_push_subscriptions_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Index('ix_push_subscriptions_session_id')
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: Session;

  /** The push service's URL for this browser, as `new URL()` writes it. */
  @Column({ type: 'text' })
  endpoint: string;

  /** The browser's P-256 public key (uncompressed point, base64url): RFC 8291's receiver key. */
  @Column({ type: 'varchar', length: 100 })
  p256dh: string;

  /** The 16-byte authentication secret (base64url). */
  @Column({ type: 'varchar', length: 50 })
  auth: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
