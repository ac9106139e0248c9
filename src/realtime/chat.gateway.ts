import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { SessionEndedEvent } from '../auth/session.events';
import { TokensService } from '../auth/tokens.service';
import { ChatRemovedEvent, ChatUpdatedEvent, ReceiptEvent, TypingEvent } from '../conversations/chat.events';
import { ChatsService } from '../conversations/chats.service';
import { overloaded } from '../conversations/send-coalescer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { toAppException } from '../common/error-mapping';
import { OnAppEvent } from '../common/event-bus';
import { inputShapeProblem } from '../common/input-shape';
import { rateLimited } from '../common/rate-limit';
import { validatePayload } from '../common/validation';
import { MessageEvent } from '../conversations/message.events';
import { ReadReplicas } from '../read-replicas/read-replicas';
import { MessagesService } from '../conversations/messages.service';
import { ReactionEvent } from '../conversations/reactions.events';
import { ReactionsService } from '../conversations/reactions.service';
import { PresenceEvent } from '../presence/presence.events';
import { PresenceService } from '../presence/presence.service';
import { SearchService } from '../search/search.service';
import { ackError, splitArgs } from './socket-ack';
import { whenSubscribed } from './socket-io.adapter';
import { TypingService } from './typing.service';
import {
  Ack,
  CLIENT_EVENT_PAYLOADS,
  ClientEventName,
  ClientEvents,
  ClientToServerEvents,
  ServerEventName,
  ServerEvents,
  ServerToClientEvents,
} from './wire-events';

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Events of one socket waiting for their turn; beyond this the socket is answered 429. */
const MAX_QUEUED_PER_SOCKET = 100;

/** The service call each client event makes (the REST twin's); payload classes come from the wire map. */
type ClientEventHandlers = {
  [E in ClientEventName]: (caller: AuthUser, payload: ClientEvents[E]['payload']) => Promise<ClientEvents[E]['answer'] | void>;
};

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
/** Client events that store nothing the caller reads back (history only advances the delivered cursor). */
const NOT_WRITES = new Set<ClientEventName>(['messages:history', 'messages:search', 'typing']);

@WebSocketGateway()
export class ChatGateway implements OnGatewayInit<Server>, OnGatewayConnection<Socket>, OnGatewayDisconnect<Socket> {
  @WebSocketServer() server: Server<ClientToServerEvents, ServerToClientEvents>;
  private readonly logger = new Logger('Realtime');
  private readonly handlers: ClientEventHandlers;

  constructor(
    private readonly tokens: TokensService,
    private readonly messages: MessagesService,
    private readonly chats: ChatsService,
    private readonly reactions: ReactionsService,
    private readonly typingService: TypingService,
    private readonly presence: PresenceService,
    private readonly search: SearchService,
    private readonly reads: ReadReplicas,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.handlers = {
      'message:send': async (caller, p) => {
        const result = await this.messages.send(caller, p.chatId, p);
        return result.kind === 'command' ? result.answer : result.message;
      },
      'message:edit': (caller, p) => this.messages.edit(caller, p.chatId, p.seq, p),
      'message:delete': (caller, p) => this.messages.delete(caller, p.chatId, p.seq, p.scope ?? 'me'),
      'message:forward': (caller, p) => this.messages.forward(caller, p.chatId, p),
      'message:delivered': (caller, p) => this.chats.advanceCursor(caller, p.chatId, 'delivered', p.seq),
      'message:read': (caller, p) => this.chats.advanceCursor(caller, p.chatId, 'read', p.seq),
      'messages:history': (caller, p) => this.messages.history(caller, p.chatId, p),
      'reaction:set': (caller, p) => this.reactions.set(caller, p.chatId, p.seq, p.emoji, p.on),
      'messages:search': (caller, p) => this.search.search(caller, p),
      'chat:pin': (caller, p) => this.chats.setPinned(caller, p.chatId, p.pinned),
      'chat:delete': (caller, p) => this.chats.deleteForMe(caller, p.chatId),
      typing: (caller, p) => this.typingService.typing(caller, p.chatId, p.isTyping),
    };
  }

  // --- connections ---

  afterInit(server: Server): void {
    // A middleware, so that a refusal is a `connect_error` whose message is exactly "unauthorized".
    server.use((socket, next) => {
      this.authenticate(socket)
        .then(() => this.joinRooms(server, socket))
        .then(
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
      if (error.statusCode === 401) throw new Error('unauthorized', { cause: err });
      if (internal) this.logger.error(`socket handshake failed: ${describe(err)}`);
      // The database is down, say: not the client's fault; it may retry.
      throw new Error('unavailable', { cause: err });
    }
  }

  /**
   * The socket's rooms (its user's, its session's), joined before it counts as connected, and on a
   * Redis Cluster only once their channels are subscribed here: an emit from another instance from
   * then on reaches it.
   */
  private async joinRooms(server: Server, socket: Socket): Promise<void> {
    const { caller } = socket.data as SocketState;
    if (!caller) return;
    const rooms = [userRoom(caller.userId), sessionRoom(caller.sessionId)];
    await socket.join(rooms);
    await whenSubscribed(server, rooms);
  }

  handleConnection(socket: Socket): void {
    const state = socket.data as SocketState | undefined;
    if (!state?.caller) {
      socket.disconnect(true);
      return;
    }
    socket.onAny((event: unknown, ...args: unknown[]) => this.dispatch(socket, state, event, args));
    state.presence = this.presence.connected(state.caller.userId, state.caller.sessionId).finally(() => {
      state.presence = null; // counted: nothing to wait for any more
    });
  }

  handleDisconnect(socket: Socket): void {
    const state = socket.data as SocketState | undefined;
    if (!state?.caller) return;
    const counted = state.presence ?? Promise.resolve();
    void counted.then(() => this.presence.disconnected(state.caller.userId, state.caller.sessionId));
  }

  // --- client events ---

  private dispatch(socket: Socket, state: SocketState, event: unknown, args: unknown[]): void {
    const { payload, ack } = splitArgs(args);
    if (typeof event !== 'string' || !Object.hasOwn(this.handlers, event)) {
      reply(ack, ackError(new AppException('UNKNOWN_EVENT', 'unknown event').toBody()));
      return;
    }
    if (state.queued >= MAX_QUEUED_PER_SOCKET) {
      // The queue drains at the speed of the work: 1 s is a fair hint of when a slot is free.
      reply(ack, ackError(rateLimited('too many events waiting on this socket', 1).toBody()));
      return;
    }
    state.queued += 1;
    const since = performance.now();
    state.queue = state.queue
      .then(() =>
        // A send that waited too long behind this socket's earlier events is refused, not run: under
        // overload every send is answered in bounded time (SEND_WAIT_MAX_MS), and nothing is stored.
        event === 'message:send' && performance.now() - since > this.config.sendWaitMaxMs
          ? ackError(overloaded().toBody())
          : this.handle(state.caller, event as ClientEventName, payload),
      )
      .then((answer) => {
        state.queued -= 1;
        reply(ack, answer);
      });
  }

  /** The one place where a client event is validated, run and turned into its acknowledgement. */
  private async handle<E extends ClientEventName>(caller: AuthUser, event: E, payload: unknown): Promise<Ack> {
    try {
      const problem = inputShapeProblem(payload);
      if (problem) throw AppException.validation(problem);
      const dto = await validatePayload<ClientEvents[E]['payload']>(CLIENT_EVENT_PAYLOADS[event], payload);
      const data = await (this.handlers[event] as (caller: AuthUser, payload: ClientEvents[E]['payload']) => Promise<unknown>)(caller, dto);
      // The caller's next history, search and chat list must see what this event wrote.
      if (!NOT_WRITES.has(event)) await this.reads.wrote(caller.userId);
      return { ok: true, data: data ?? null };
    } catch (err) {
      const { error, internal } = toAppException(err);
      if (internal) this.logger.error(`socket event failed: ${describe(err)}`);
      return ackError(error.toBody());
    }
  }

  // --- fan-out of what the services published (after their commits) ---

  @OnAppEvent('message.created')
  onMessageCreated(event: MessageEvent): void {
    this.fanOutMessage('message:new', event);
  }

  @OnAppEvent('message.updated')
  onMessageUpdated(event: MessageEvent): void {
    this.fanOutMessage('message:updated', event);
  }

  /**
   * The message carries `status` as its sender sees it: the sender's devices get it so, others null.
   * When the publisher shaped it per recipient (`views`), each group gets its own.
   */
  private fanOutMessage(name: 'message:new' | 'message:updated', { message, recipientIds, originSocketId, views }: MessageEvent): void {
    if (views) {
      for (const view of views) this.emitTo(view.userIds, name, view.message, originSocketId);
      return;
    }
    const viewer = message.status !== null ? message.senderId : null;
    if (viewer && recipientIds.includes(viewer)) this.emitTo([viewer], name, message, originSocketId);
    const others = viewer ? recipientIds.filter((id) => id !== viewer) : recipientIds;
    this.emitTo(others, name, viewer ? { ...message, status: null } : message, originSocketId);
  }

  @OnAppEvent('receipt')
  onReceipt({ chatId, userId, type, seq, recipientIds }: ReceiptEvent): void {
    this.emitTo(recipientIds, 'receipt', { chatId, userId, type, seq });
  }

  /** Every socket of every member, the reacting one included. */
  @OnAppEvent('reaction')
  onReaction({ notice, recipientIds }: ReactionEvent): void {
    this.emitTo(recipientIds, 'reaction', notice);
  }

  @OnAppEvent('typing')
  onTyping({ chatId, userId, isTyping, recipientIds }: TypingEvent): void {
    this.emitTo(recipientIds, 'typing', { chatId, userId, isTyping });
  }

  @OnAppEvent('presence')
  onPresence({ userId, online, lastSeenAt, recipientIds }: PresenceEvent): void {
    this.emitTo(recipientIds, 'presence', { userId, online, lastSeenAt });
  }

  /** Each user gets the chat as it sees it (computed in bulk by the publisher). */
  @OnAppEvent('chat.updated')
  onChatUpdated({ summaries, originSocketId }: ChatUpdatedEvent): void {
    for (const { userId, summary } of summaries) this.emitTo([userId], 'chat:updated', summary, originSocketId);
  }

  @OnAppEvent('chat.removed')
  onChatRemoved({ chatId, userIds, originSocketId }: ChatRemovedEvent): void {
    this.emitTo(userIds, 'chat:removed', { chatId }, originSocketId);
  }

  /** Logout: that session's sockets close, on every instance. */
  @OnAppEvent('session.ended')
  onSessionEnded({ sessionId }: SessionEndedEvent): void {
    this.server?.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  private emitTo<E extends ServerEventName>(userIds: string[], event: E, payload: ServerEvents[E], exceptSocketId?: string): void {
    // Never `to([])`: no room means every socket.
    if (!userIds.length || !this.server) return;
    const args = [payload] as Parameters<ServerToClientEvents[E]>;
    // On a Redis Cluster, one emit per user room: the sharded adapter publishes an emit naming exactly
    // one room on that room's channel (SPUBLISH to the master of its slot, heard only by the instances
    // with a socket in it); an emit naming several goes on the namespace's one channel, which puts all
    // traffic on one master and every message on every instance (bench/adapters.js, docs/scaling.md).
    // With one Redis, one emit for all the rooms: one publish, heard by every instance either way.
    const rooms = this.config.redisClusterUrls.length ? userIds.map((id) => [userRoom(id)]) : [userIds.map(userRoom)];
    for (const room of rooms) {
      const target = this.server.to(room);
      (exceptSocketId ? target.except(exceptSocketId) : target).emit(event, ...args);
    }
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

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
