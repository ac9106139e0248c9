import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The VAPID key pair (RFC 8292) made once when VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY are not set,
 * so that subscriptions (made for this public key) survive restarts. One row.
 */
@Entity('push_vapid_keys')
@Check('ck_push_vapid_keys_one', `"id" = 1`)
export class VapidKeyPair {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id: number;

  @Column({ name: 'public_key', type: 'varchar', length: 100 })
  publicKey: string;

  @Column({ name: 'private_key', type: 'varchar', length: 100 })
  privateKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
