import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { MessageDto, MessageStatus, ReplyToDto } from './dto/message.dto';
import { ReactionDto } from './dto/reaction.dto';
import { Message } from './message.entity';

/** How far every other current member of a chat has got: what the status ticks derive from. */
export interface OthersCursors {
  deliveredSeq: number;
  readSeq: number;
}

/** What a reply shows of the message it answers: that message as it is now. */
export type ReplyTarget = Pick<Message, 'seq' | 'senderId' | 'text' | 'deletedAt'>;

/** What a message object shows besides its own row, as one viewer sees it (`others`: on the viewer's own messages, when the chat has other members). */
export interface MessagePresentation {
  attachments: AttachmentDto[];
  reactions: ReactionDto[];
  replyTo: ReplyTarget | null;
  others: OthersCursors | null;
}

/** `replyTo.text` is the start of the original's text, this many code points. */
export const REPLY_TEXT_MAX = 200;

function firstCodePoints(text: string, n: number): string {
  let end = 0;
  for (let taken = 0; taken < n && end < text.length; taken++) {
    const unit = text.charCodeAt(end);
    end += unit >= 0xd800 && unit <= 0xdbff && end + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, end);
}

function toReplyToDto(target: ReplyTarget): ReplyToDto {
  const deleted = target.deletedAt !== null;
  return {
    seq: target.seq,
    senderId: target.senderId,
    text: deleted || target.text === null ? null : firstCodePoints(target.text, REPLY_TEXT_MAX),
    deleted,
  };
}

export function messageStatus(seq: number, others: OthersCursors): MessageStatus {
  if (others.readSeq >= seq) return 'read';
  if (others.deliveredSeq >= seq) return 'delivered';
  return 'sent';
}

/** The contract's Message as `viewerId` sees it; `replyTo`: the message it replies to, as it is now (a message just stored has no reactions yet). */
export function toMessageDto(
  message: Message,
  attachments: AttachmentDto[],
  viewerId: string,
  others: OthersCursors,
  replyTo: ReplyTarget | null,
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
    replyTo: replyTo && toReplyToDto(replyTo),
    mentions: deleted ? [] : message.mentions,
    event: message.event,
    editedAt: message.editedAt?.toISOString() ?? null,
    deleted,
    createdAt: message.createdAt.toISOString(),
    clientId: message.clientId,
    status: message.senderId === viewerId && message.type === 'text' ? messageStatus(message.seq, others) : null,
    reactions: deleted ? [] : reactions,
  };
}
