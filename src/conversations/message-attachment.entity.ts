import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Message } from './message.entity';
import { Attachment } from '../attachments/attachment.entity';

/** Which attachments a message carries, in order. A forward copies these rows. */
@Entity('message_attachments')
@Index('ix_message_attachments_attachment_id', ['attachmentId'])
export class MessageAttachment {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @PrimaryColumn({ name: 'attachment_id', type: 'uuid' })
  attachmentId: string;

  @Column({ type: 'smallint' })
  position: number;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: Message;

  @ManyToOne(() => Attachment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'attachment_id' })
  attachment?: Attachment;
}
