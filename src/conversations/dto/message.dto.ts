import { ApiProperty } from '@nestjs/swagger';
import { AttachmentDto } from '../../attachments/dto/attachment.dto';
import { ReactionDto } from './reaction.dto';

export class ForwardedFromDto {
  @ApiProperty({ format: 'uuid' }) chatId: string;
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({ format: 'uuid' }) senderId: string;
}

export class ReplyToDto {
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({ format: 'uuid' }) senderId: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'its text now (edits show), cut to the first 200 code points; null when it has no text or is deleted for everyone',
  })
  text: string | null;
  @ApiProperty({ description: 'deleted for everyone since' }) deleted: boolean;
}

export class SystemEventDto {
  @ApiProperty({ enum: ['created', 'member_added', 'member_removed', 'member_left', 'renamed'] }) kind: string;
  @ApiProperty({ format: 'uuid' }) actorId: string;
  @ApiProperty({ type: [String], required: false }) userIds?: string[];
  @ApiProperty({ required: false }) title?: string;
}

export type MessageStatus = 'sent' | 'delivered' | 'read';

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) chatId: string;
  @ApiProperty({ type: 'integer', description: '1, 2, 3 … per chat, gap-free, in commit order' }) seq: number;
  @ApiProperty({ format: 'uuid' }) senderId: string;
  @ApiProperty({ enum: ['text', 'system'] }) type: 'text' | 'system';
  @ApiProperty({ nullable: true, type: String }) text: string | null;
  @ApiProperty({ type: [AttachmentDto] }) attachments: AttachmentDto[];
  @ApiProperty({ type: ForwardedFromDto, nullable: true }) forwardedFrom: ForwardedFromDto | null;
  @ApiProperty({ type: ReplyToDto, nullable: true, description: 'the message of the same chat this one replies to, as it is now' })
  replyTo: ReplyToDto | null;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'members named as @username in the text, in order of first appearance, each once; [] on a tombstone',
  })
  mentions: string[];
  @ApiProperty({ type: SystemEventDto, nullable: true, description: 'set on system messages' }) event: SystemEventDto | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) editedAt: string | null;
  @ApiProperty({ description: 'deleted for everyone (a tombstone)' }) deleted: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) clientId: string | null;
  @ApiProperty({ enum: ['sent', 'delivered', 'read'], nullable: true, type: String, description: 'on the caller’s own messages only' })
  status: MessageStatus | null;
  @ApiProperty({ type: [ReactionDto], description: 'in the order each emoji was first put on it; none on a tombstone' })
  reactions: ReactionDto[];
}
