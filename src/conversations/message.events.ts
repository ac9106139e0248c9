import type { MessageDto } from './dto/message.dto';

export interface MessageEvent {
  /** The message as its sender sees it (status set); other members get `status: null`. */
  message: MessageDto;
  recipientIds: string[];
  originSocketId?: string;
}

declare module '../common/event-bus' {
  interface AppEvents {
    'message.created': MessageEvent;
    'message.updated': MessageEvent;
  }
}
