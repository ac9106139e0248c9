import type { MessageDto } from '../messages/dto/message.dto';

/**
 * What services publish after a commit; the realtime gateway listens and fans out. Services never
 * know about sockets: `originSocketId` only lets the gateway skip the socket that made the change.
 */
export const EVENTS = {
  messageCreated: 'message.created',
  messageUpdated: 'message.updated',
  receipt: 'receipt',
  chatUpdated: 'chat.updated',
  chatRemoved: 'chat.removed',
  sessionEnded: 'session.ended',
  typing: 'typing',
  presence: 'presence',
} as const;

export interface MessageEvent {
  /** The message as its sender sees it (status set); other members get `status: null`. */
  message: MessageDto;
  recipientIds: string[];
  originSocketId?: string;
}

export interface ReceiptEvent {
  chatId: string;
  userId: string;
  type: 'delivered' | 'read';
  seq: number;
  recipientIds: string[];
}

/** The chat changed for these users: each gets its own ChatSummary. */
export interface ChatUpdatedEvent {
  chatId: string;
  userIds: string[];
  originSocketId?: string;
}

export interface ChatRemovedEvent {
  chatId: string;
  userIds: string[];
  originSocketId?: string;
}

export interface SessionEndedEvent {
  userId: string;
  sessionId: string;
}

/** A member started or stopped typing: told to the chat's other members. */
export interface TypingEvent {
  chatId: string;
  userId: string;
  isTyping: boolean;
  recipientIds: string[];
}

/** A user turned online or offline: told to the users who share a chat with it. */
export interface PresenceEvent {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
  recipientIds: string[];
}
