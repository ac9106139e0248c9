import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { MessageDto, MessageStatus } from './dto/message.dto';
import { ReactionDto } from './dto/reaction.dto';
import { Message } from './message.entity';

/** How far every other current member of a chat has got: what the status ticks derive from. */
export interface OthersCursors {
  deliveredSeq: number;
  readSeq: number;
}

export function messageStatus(seq: number, others: OthersCursors): MessageStatus {
  if (others.readSeq >= seq) return 'read';
  if (others.deliveredSeq >= seq) return 'delivered';
  return 'sent';
}

/** The contract's Message as `viewerId` sees it (a message just stored has no reactions yet). */
export function toMessageDto(
  message: Message,
  attachments: AttachmentDto[],
  viewerId: string,
  others: OthersCursors,
  reactions: ReactionDto[] = [],
): MessageDto {
  const deleted = message.deletedAt !== null;
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    senderId: message.senderId,
    type: message.type,
    text: deleted ? null : message.text,
    attachments: deleted ? [] : attachments,
    forwardedFrom:
      message.forwardedFromChatId !== null
        ? { chatId: message.forwardedFromChatId, seq: message.forwardedFromSeq!, senderId: message.forwardedFromSenderId! }
        : null,
    event: message.event,
    editedAt: message.editedAt?.toISOString() ?? null,
    deleted,
    createdAt: message.createdAt.toISOString(),
    clientId: message.clientId,
    status: message.senderId === viewerId && message.type === 'text' ? messageStatus(message.seq, others) : null,
    reactions: deleted ? [] : reactions,
  };
}
