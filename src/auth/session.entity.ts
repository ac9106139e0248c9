import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';

/**
 * One login on one device; its refresh tokens are stored only as SHA-256 hashes.
 *
 * Rotation with a safe retry: a refresh makes a new pair and keeps the token it was given as
 * `previousRefreshTokenHash`, still accepted (a client that lost the answer retries with it) until the
 * new pair is first used — by its access token (claim `gen` = `refreshGeneration`) or its refresh
 * token. Then the previous hash is cleared, and presenting that token ends the session.
 */
@Entity('sessions')
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('ix_sessions_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The newest refresh token. */
  @Column({ name: 'refresh_token_hash', type: 'char', length: 64 })
  refreshTokenHash: string;

  /** The token the newest one was made from, while the newest pair is unused; else null. */
  @Column({ name: 'previous_refresh_token_hash', type: 'char', length: 64, nullable: true })
  previousRefreshTokenHash: string | null;

  /** Refreshes so far: the newest pair's number, carried by its access token as the claim `gen`. */
  @Column({ name: 'refresh_generation', type: 'integer', default: 0 })
  refreshGeneration: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
