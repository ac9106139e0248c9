import type { ChatSummaryDto } from './dto/chat.dto';

export interface ReceiptEvent {
  chatId: string;
  userId: string;
  /** The session (device) that moved the cursor: a read there clears notifications on the user's other devices. */
  sessionId: string;
  type: 'delivered' | 'read';
  seq: number;
  recipientIds: string[];
}

/** The chat changed: each recipient gets the ChatSummary as it sees it, computed in bulk by the publisher. */
export interface ChatUpdatedEvent {
  chatId: string;
  summaries: Array<{ userId: string; summary: ChatSummaryDto }>;
  originSocketId?: string;
}

export interface ChatRemovedEvent {
  chatId: string;
  userIds: string[];
  originSocketId?: string;
}

/** A member started or stopped typing: told to the chat's other members. */
export interface TypingEvent {
  chatId: string;
  userId: string;
  isTyping: boolean;
  recipientIds: string[];
}

declare module '../common/event-bus' {
  interface AppEvents {
    receipt: ReceiptEvent;
    'chat.updated': ChatUpdatedEvent;
    'chat.removed': ChatRemovedEvent;
    typing: TypingEvent;
  }
}
