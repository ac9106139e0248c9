import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Message } from './message.entity';

/** A text an edit replaced, with the time it was replaced. Kept after a delete for everyone (reads leave it out). */
@Entity('message_edits')
@Index('ix_message_edits_message_id', ['messageId', 'id'])
export class MessageEdit {
  /** Allocated in the edit's statement after the message's row lock: edits of one message ascend with it. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: Message;

  /** Null when the message had attachments and no text. */
  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ name: 'edited_at', type: 'timestamptz' })
  editedAt: Date;
}
