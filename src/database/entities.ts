import { Attachment } from '../attachments/attachment.entity';
import { MessageAttachment } from '../conversations/message-attachment.entity';
import { Session } from '../auth/session.entity';
import { ChatMember } from '../conversations/chat-member.entity';
import { Chat } from '../conversations/chat.entity';
import { MessageEdit } from '../conversations/message-edit.entity';
import { MessageHide } from '../conversations/message-hide.entity';
import { Message } from '../conversations/message.entity';
import { MessageReaction } from '../conversations/reactions.entity';
import { PushDelivery } from '../push/push-delivery.entity';
import { PushOutboxEntry } from '../push/push-outbox.entity';
import { PushSubscription } from '../push/push-subscription.entity';
import { VapidKeyPair } from '../push/vapid-key-pair.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [
  User,
  Session,
  Chat,
  ChatMember,
  Message,
  MessageHide,
  MessageEdit,
  Attachment,
  MessageAttachment,
  MessageReaction,
  PushSubscription,
  PushOutboxEntry,
  PushDelivery,
  VapidKeyPair,
];
