import { Attachment } from '../attachments/attachment.entity';
import { MessageAttachment } from '../attachments/message-attachment.entity';
import { Session } from '../auth/session.entity';
import { ChatMember } from '../chats/chat-member.entity';
import { Chat } from '../chats/chat.entity';
import { MessageHide } from '../messages/message-hide.entity';
import { Message } from '../messages/message.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [User, Session, Chat, ChatMember, Message, MessageHide, Attachment, MessageAttachment];
