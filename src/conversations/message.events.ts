import type { MessageDto } from './dto/message.dto';

/** Recipients who all see the message the same way, and the message as they see it. */
export interface RecipientView {
  userIds: string[];
  message: MessageDto;
}

export interface MessageEvent {
  /** The message as its sender sees it (status set); other members get `status: null`. */
  message: MessageDto;
  recipientIds: string[];
  originSocketId?: string;
  /**
   * Set when recipients see more than `status` differently (the reactions' `me`): every recipient
   * in one of these groups, with the message as that group sees it. The gateway emits them as they are.
   */
  views?: RecipientView[];
}

declare module '../common/event-bus' {
  interface AppEvents {
    'message.created': MessageEvent;
    'message.updated': MessageEvent;
  }
}
