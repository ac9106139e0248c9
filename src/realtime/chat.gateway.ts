import { Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { TokensService } from '../auth/tokens.service';
import { ChatsService } from '../chats/chats.service';
import { ChatIdDto, PinPayloadDto } from '../chats/dto/chat.dto';
import { AuthUser } from '../common/current-user';
import { toAppException } from '../common/error-mapping';
import {
  ChatRemovedEvent,
  ChatUpdatedEvent,
  EVENTS,
  MessageEvent,
  PresenceEvent,
  ReceiptEvent,
  SessionEndedEvent,
  TypingEvent,
} from '../common/events';
import { AppException } from '../common/app.exception';
import { inputShapeProblem } from '../common/input-shape';
import { validatePayload } from '../common/validation';
import {
  CursorPayload,
  DeleteMessagePayload,
  EditMessagePayload,
  ForwardPayload,
  HistoryPayload,
  SendMessagePayload,
} from '../messages/dto/message-requests.dto';
import { MessagesService } from '../messages/messages.service';
import { PresenceService } from '../presence/presence.service';
import { TypingPayload } from './dto/typing.dto';
import { Ack, ackError, splitArgs } from './socket-ack';
import { TypingService } from './typing.service';

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Events of one socket waiting for their turn; beyond this the socket is answered 429. */
const MAX_QUEUED_PER_SOCKET = 100;

/** A client event: its payload class, and the service call it makes (the REST twin's). */
interface ClientEvent<T extends object> {
  payload: new () => T;
  run: (caller: AuthUser, payload: T) => Promise<unknown>;
}

function on<T extends object>(payload: new () => T, run: (caller: AuthUser, payload: T) => Promise<unknown>): ClientEvent<T> {
  return { payload, run };
}

/** What the gateway keeps on each socket (`socket.data`). */
interface SocketState {
  caller: AuthUser;
  /** The socket's events run one at a time, in arrival order (so two sends get seqs in that order). */
  queue: Promise<void>;
  queued: number;
  /** The presence count of this socket, so that its disconnect is counted after it. */
  presence: Promise<void> | null;
}

/**
 * The socket.io side of the API (default namespace). Thin: a handshake token check, one
 * dispatcher that validates each client event and answers its acknowledgement, and the fan-out
 * of what the services publish. Emits always go to rooms (`user:<id>`, `session:<id>`), never to
 * sockets one by one, so that with the Redis adapter they reach every instance.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit<Server>, OnGatewayConnection<Socket>, OnGatewayDisconnect<Socket> {
  @WebSocketServer() server: Server;
  private readonly logger = new Logger('Realtime');
  private readonly clientEvents: Map<string, ClientEvent<object>>;

  constructor(
    private readonly tokens: TokensService,
    private readonly messages: MessagesService,
    private readonly chats: ChatsService,
    private readonly typingService: TypingService,
    private readonly presence: PresenceService,
  ) {
    const events: Record<string, ClientEvent<any>> = {
      'message:send': on(SendMessagePayload, async (caller, p) => {
        const result = await this.messages.send(caller, p.chatId, p);
        return result.kind === 'command' ? result.answer : result.message;
      }),
      'message:edit': on(EditMessagePayload, (caller, p) => this.messages.edit(caller, p.chatId, p.seq, p)),
      'message:delete': on(DeleteMessagePayload, (caller, p) => this.messages.delete(caller, p.chatId, p.seq, p.scope ?? 'me')),
      'message:forward': on(ForwardPayload, (caller, p) => this.messages.forward(caller, p.chatId, p)),
      'message:delivered': on(CursorPayload, (caller, p) => this.chats.advanceCursor(caller, p.chatId, 'delivered', p.seq)),
      'message:read': on(CursorPayload, (caller, p) => this.chats.advanceCursor(caller, p.chatId, 'read', p.seq)),
      'messages:history': on(HistoryPayload, (caller, p) => this.messages.history(caller, p.chatId, p)),
      'chat:pin': on(PinPayloadDto, (caller, p) => this.chats.setPinned(caller, p.chatId, p.pinned)),
      'chat:delete': on(ChatIdDto, (caller, p) => this.chats.deleteForMe(caller, p.chatId)),
      typing: on(TypingPayload, (caller, p) => this.typingService.typing(caller, p.chatId, p.isTyping)),
    };
    this.clientEvents = new Map(Object.entries(events));
  }

  // --- connections ---

  afterInit(server: Server): void {
    // A middleware, so that a refusal is a `connect_error` whose message is exactly "unauthorized".
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
  }

  private async authenticate(socket: Socket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    try {
      const user = await this.tokens.verifyAccess(typeof token === 'string' ? token : undefined);
      socket.data = {
        caller: { userId: user.userId, sessionId: user.sessionId, socketId: socket.id },
        queue: Promise.resolve(),
        queued: 0,
        presence: null,
      } satisfies SocketState;
    } catch (err) {
      const { error, internal } = toAppException(err);
      if (error.statusCode === 401) throw new Error('unauthorized');
      if (internal) this.logger.error(`socket handshake failed: ${(err as Error)?.stack ?? err}`);
      // The database is down, say: not the client's fault; it may retry.
      throw new Error('unavailable');
    }
  }

  handleConnection(socket: Socket): void {
    const state = socket.data as SocketState | undefined;
    if (!state?.caller) {
      socket.disconnect(true);
      return;
    }
    socket.join([userRoom(state.caller.userId), sessionRoom(state.caller.sessionId)]);
    socket.onAny((event: unknown, ...args: unknown[]) => this.dispatch(socket, state, event, args));
    state.presence = this.presence.connected(state.caller.userId).finally(() => {
      state.presence = null; // counted: nothing to wait for any more
    });
  }

  handleDisconnect(socket: Socket): void {
    const state = socket.data as SocketState | undefined;
    if (!state?.caller) return;
    const counted = state.presence ?? Promise.resolve();
    void counted.then(() => this.presence.disconnected(state.caller.userId));
  }

  // --- client events ---

  private dispatch(socket: Socket, state: SocketState, event: unknown, args: unknown[]): void {
    const { payload, ack } = splitArgs(args);
    const handler = typeof event === 'string' ? this.clientEvents.get(event) : undefined;
    if (!handler) {
      reply(ack, ackError({ statusCode: 400, code: 'UNKNOWN_EVENT', message: 'unknown event' }));
      return;
    }
    if (state.queued >= MAX_QUEUED_PER_SOCKET) {
      reply(ack, ackError({ statusCode: 429, code: 'RATE_LIMITED', message: 'too many events waiting on this socket' }));
      return;
    }
    state.queued += 1;
    state.queue = state.queue
      .then(() => this.handle(state.caller, handler, payload))
      .then((answer) => {
        state.queued -= 1;
        reply(ack, answer);
      });
  }

  /** The one place where a client event is validated, run and turned into its acknowledgement. */
  private async handle(caller: AuthUser, handler: ClientEvent<object>, payload: unknown): Promise<Ack> {
    try {
      const problem = inputShapeProblem(payload);
      if (problem) throw AppException.validation(problem);
      const dto = await validatePayload(handler.payload, payload);
      const data = await handler.run(caller, dto);
      return { ok: true, data: data ?? null };
    } catch (err) {
      const { error, internal } = toAppException(err);
      if (internal) this.logger.error(`socket event failed: ${(err as Error)?.stack ?? err}`);
      return ackError(error.toBody());
    }
  }

  // --- fan-out of what the services published (after their commits) ---

  @OnEvent(EVENTS.messageCreated)
  onMessageCreated(event: MessageEvent): void {
    this.fanOutMessage('message:new', event);
  }

  @OnEvent(EVENTS.messageUpdated)
  onMessageUpdated(event: MessageEvent): void {
    this.fanOutMessage('message:updated', event);
  }

  /** The message carries `status` as its sender sees it: the sender's devices get it so, others null. */
  private fanOutMessage(name: string, { message, recipientIds, originSocketId }: MessageEvent): void {
    const viewer = message.status !== null ? message.senderId : null;
    if (viewer && recipientIds.includes(viewer)) this.emitTo([viewer], name, message, originSocketId);
    const others = viewer ? recipientIds.filter((id) => id !== viewer) : recipientIds;
    this.emitTo(others, name, viewer ? { ...message, status: null } : message, originSocketId);
  }

  @OnEvent(EVENTS.receipt)
  onReceipt({ chatId, userId, type, seq, recipientIds }: ReceiptEvent): void {
    this.emitTo(recipientIds, 'receipt', { chatId, userId, type, seq });
  }

  @OnEvent(EVENTS.typing)
  onTyping({ chatId, userId, isTyping, recipientIds }: TypingEvent): void {
    this.emitTo(recipientIds, 'typing', { chatId, userId, isTyping });
  }

  @OnEvent(EVENTS.presence)
  onPresence({ userId, online, lastSeenAt, recipientIds }: PresenceEvent): void {
    this.emitTo(recipientIds, 'presence', { userId, online, lastSeenAt });
  }

  /** Each user gets the chat as it sees it. */
  @OnEvent(EVENTS.chatUpdated)
  async onChatUpdated({ chatId, userIds, originSocketId }: ChatUpdatedEvent): Promise<void> {
    for (const userId of new Set(userIds)) {
      try {
        const summary = await this.chats.summaryFor(userId, chatId);
        if (summary) this.emitTo([userId], 'chat:updated', summary, originSocketId);
      } catch (err) {
        this.logger.warn(`chat:updated for ${userId} failed: ${(err as Error)?.message ?? err}`);
      }
    }
  }

  @OnEvent(EVENTS.chatRemoved)
  onChatRemoved({ chatId, userIds, originSocketId }: ChatRemovedEvent): void {
    this.emitTo(userIds, 'chat:removed', { chatId }, originSocketId);
  }

  /** Logout: that session's sockets close, on every instance. */
  @OnEvent(EVENTS.sessionEnded)
  onSessionEnded({ sessionId }: SessionEndedEvent): void {
    this.server?.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  private emitTo(userIds: string[], event: string, payload: unknown, exceptSocketId?: string): void {
    // Never `to([])`: no room means every socket.
    if (!userIds.length || !this.server) return;
    const target = this.server.to(userIds.map(userRoom));
    (exceptSocketId ? target.except(exceptSocketId) : target).emit(event, payload);
  }
}

function reply(ack: ((answer: Ack) => void) | null, answer: Ack): void {
  if (!ack) return;
  try {
    ack(answer);
  } catch {
    // The socket is gone: nobody to answer.
  }
}
