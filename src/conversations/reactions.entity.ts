import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EMOJI_MAX_LENGTH } from '../common/emoji';
import { User } from '../users/user.entity';
import { Message } from './message.entity';

/**
 * One user's reaction with one emoji on one message: a row per (message, user, emoji), so counts
 * are counted from rows and concurrent toggles cannot make them drift.
 */
@Entity('message_reactions')
export class MessageReaction {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Compared byte for byte: the RGI set has one spelling per emoji. */
  @PrimaryColumn({ type: 'varchar', length: EMOJI_MAX_LENGTH, collation: 'C' })
  emoji: string;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: Message;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** When the user reacted: the order of an emoji's users (the clock, not the transaction's start). */
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;

  /**
   * When the message got this emoji: the emoji's place among the message's reactions. A new row
   * copies it from the emoji's rows already there, so it stays while any user is left; once the
   * last one took it back the emoji is gone, and putting it again puts it last.
   */
  @Column({ name: 'emoji_added_at', type: 'timestamptz' })
  emojiAddedAt: Date;
}
