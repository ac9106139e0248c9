import { ChatIdDto } from '../common/dto/chat-id.dto';
import type { ErrorBody } from '../common/app.exception';
import { ChatSummaryDto, PinPayloadDto, TypingPayload } from '../conversations/dto/chat.dto';
import {
  CommandAnswerDto,
  CursorPayload,
  DeleteMessagePayload,
  EditMessagePayload,
  ForwardPayload,
  HistoryPageDto,
  HistoryPayload,
  MessageListDto,
  SendMessagePayload,
} from '../conversations/dto/message-requests.dto';
import { MessageDto } from '../conversations/dto/message.dto';

/**
 * The socket.io protocol (default namespace), one entry per event: what a client sends, with the
 * payload class that validates it and what its acknowledgement carries; and what the server emits.
 * The gateway is typed by it, and the web client's JSDoc types point here.
 */
export interface ClientEvents {
  'message:send': { payload: SendMessagePayload; answer: MessageDto | CommandAnswerDto };
  'message:edit': { payload: EditMessagePayload; answer: MessageDto };
  'message:delete': { payload: DeleteMessagePayload; answer: null };
  'message:forward': { payload: ForwardPayload; answer: MessageListDto };
  'message:delivered': { payload: CursorPayload; answer: null };
  'message:read': { payload: CursorPayload; answer: null };
  'messages:history': { payload: HistoryPayload; answer: HistoryPageDto };
  'chat:pin': { payload: PinPayloadDto; answer: null };
  'chat:delete': { payload: ChatIdDto; answer: null };
  typing: { payload: TypingPayload; answer: null };
}

export type ClientEventName = keyof ClientEvents;

/** The class that validates each client event's payload (class-validator, as the REST twins). */
export const CLIENT_EVENT_PAYLOADS: { [E in ClientEventName]: new () => ClientEvents[E]['payload'] } = {
  'message:send': SendMessagePayload,
  'message:edit': EditMessagePayload,
  'message:delete': DeleteMessagePayload,
  'message:forward': ForwardPayload,
  'message:delivered': CursorPayload,
  'message:read': CursorPayload,
  'messages:history': HistoryPayload,
  'chat:pin': PinPayloadDto,
  'chat:delete': ChatIdDto,
  typing: TypingPayload,
};

export interface ReceiptPayload {
  chatId: string;
  userId: string;
  type: 'delivered' | 'read';
  seq: number;
}

export interface TypingNotice {
  chatId: string;
  userId: string;
  isTyping: boolean;
}

export interface PresenceNotice {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export interface ServerEvents {
  'message:new': MessageDto;
  'message:updated': MessageDto;
  receipt: ReceiptPayload;
  typing: TypingNotice;
  presence: PresenceNotice;
  'chat:updated': ChatSummaryDto;
  'chat:removed': { chatId: string };
}

export type ServerEventName = keyof ServerEvents;

/** The acknowledgement of every client event: `{ ok: true, data }` or `{ ok: false, error }`. */
export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** socket.io's typed-events shapes, for `Server<ClientToServerEvents, ServerToClientEvents>`. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientEvents[E]['payload'], ack?: (answer: Ack<ClientEvents[E]['answer']>) => void) => void;
};
export type ServerToClientEvents = { [E in ServerEventName]: (payload: ServerEvents[E]) => void };
