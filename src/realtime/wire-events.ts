import { ApiProperty } from '@nestjs/swagger';
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
import { ReactionNoticeDto, SetReactionPayload } from '../conversations/dto/reaction.dto';
import { PresenceItemDto } from '../presence/presence.controller';
import { SearchPageDto, SearchPayload } from '../search/dto/search.dto';

/*
 * The socket.io protocol (default namespace), as runtime maps of DTO classes: what a client sends
 * (the class that validates it) and what its acknowledgement carries, and what the server emits.
 * The TypeScript types below are derived from these maps, so the gateway (typed by them) and the
 * AsyncAPI document (generated from them, src/realtime/asyncapi.ts) cannot tell different stories.
 */

/** A DTO class: properties with @ApiProperty, nothing else. */
export type WireClass<T extends object = object> = new () => T;

/** Payload of the socket.io handshake: `io(url, { auth: { token } })`. */
export class HandshakeAuthDto {
  @ApiProperty({ description: 'an access token (JWT), as from POST /api/auth/login, register or refresh' })
  token: string;
}

/** The messages of a refused handshake (`connect_error`): no valid session, or a dependency down. */
export const HANDSHAKE_REFUSALS = ['unauthorized', 'unavailable'] as const;

export class ConnectErrorDto {
  @ApiProperty({
    enum: HANDSHAKE_REFUSALS,
    description:
      'unauthorized: missing, malformed, bad or expired token, or a session that was logged out; unavailable: the database is down, retry later',
  })
  message: (typeof HANDSHAKE_REFUSALS)[number];
}

/** The class that validates each client event's payload (class-validator, as the REST twins). */
const clientEventPayloads = {
  'message:send': SendMessagePayload,
  'message:edit': EditMessagePayload,
  'message:delete': DeleteMessagePayload,
  'message:forward': ForwardPayload,
  'message:delivered': CursorPayload,
  'message:read': CursorPayload,
  'messages:history': HistoryPayload,
  'reaction:set': SetReactionPayload,
  'messages:search': SearchPayload,
  'chat:pin': PinPayloadDto,
  'chat:delete': ChatIdDto,
  typing: TypingPayload,
} satisfies Record<string, WireClass>;

export type ClientEventName = keyof typeof clientEventPayloads;

/** What a successful acknowledgement carries as `data`: one class, one of several, or `null`. */
export type AnswerClasses = WireClass | readonly WireClass[] | null;

/** The `data` of each client event's successful acknowledgement. */
export const CLIENT_EVENT_ANSWERS = {
  'message:send': [MessageDto, CommandAnswerDto],
  'message:edit': MessageDto,
  'message:delete': null,
  'message:forward': MessageListDto,
  'message:delivered': null,
  'message:read': null,
  'messages:history': HistoryPageDto,
  'reaction:set': null,
  'messages:search': SearchPageDto,
  'chat:pin': null,
  'chat:delete': null,
  typing: null,
} as const satisfies { [E in ClientEventName]: AnswerClasses };

type InstanceOf<C> = C extends WireClass<infer T> ? T : never;
type AnswerOf<A> = A extends null ? null : A extends readonly (infer C)[] ? InstanceOf<C> : InstanceOf<A>;

export type ClientEvents = {
  [E in ClientEventName]: {
    payload: InstanceType<(typeof clientEventPayloads)[E]>;
    answer: AnswerOf<(typeof CLIENT_EVENT_ANSWERS)[E]>;
  };
};

export const CLIENT_EVENT_PAYLOADS: { readonly [E in ClientEventName]: WireClass<ClientEvents[E]['payload']> } = clientEventPayloads;

// Server events whose payload is no REST object: their classes live here.

export class ReceiptNoticeDto {
  @ApiProperty({ format: 'uuid' }) chatId: string;
  @ApiProperty({ format: 'uuid', description: 'whose cursor moved' }) userId: string;
  @ApiProperty({ enum: ['delivered', 'read'] }) type: 'delivered' | 'read';
  @ApiProperty({ type: 'integer', description: 'the new cursor: every message up to it is delivered to (or read by) that user' })
  seq: number;
}

/** The last event before the server closes a socket (then a socket.io disconnect, "io server disconnect"). */
export class ServerClosingDto {
  @ApiProperty({
    enum: ['SLOW_READER'],
    description: 'SLOW_READER: more was waiting for this socket than SOCKET_OUTBOUND_MAX_BYTES / _EVENTS allow; catch up over REST',
  })
  reason: 'SLOW_READER';
  @ApiProperty() message: string;
}

export class TypingNoticeDto {
  @ApiProperty({ format: 'uuid' }) chatId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() isTyping: boolean;
}

/** What the server emits, event by event. */
export const SERVER_EVENT_PAYLOADS = {
  'message:new': MessageDto,
  'message:updated': MessageDto,
  receipt: ReceiptNoticeDto,
  reaction: ReactionNoticeDto,
  typing: TypingNoticeDto,
  presence: PresenceItemDto,
  'chat:updated': ChatSummaryDto,
  'chat:removed': ChatIdDto,
  'server:closing': ServerClosingDto,
} as const satisfies Record<string, WireClass>;

export type ServerEventName = keyof typeof SERVER_EVENT_PAYLOADS;

export type ServerEvents = { [E in ServerEventName]: InstanceType<(typeof SERVER_EVENT_PAYLOADS)[E]> };

/** The acknowledgement of every client event: `{ ok: true, data }` or `{ ok: false, error }`. */
export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** socket.io's typed-events shapes, for `Server<ClientToServerEvents, ServerToClientEvents>`. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientEvents[E]['payload'], ack?: (answer: Ack<ClientEvents[E]['answer']>) => void) => void;
};
export type ServerToClientEvents = { [E in ServerEventName]: (payload: ServerEvents[E]) => void };
