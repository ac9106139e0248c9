import { createHmac } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import type { ClientEventName, ClientEvents, ErrorResponseDto, MessageDto, ServerEventName, ServerEvents } from './contract';
import { TEST_JWT_SECRET } from './service';

/**
 * The ack of `event`, its `data` typed by the wire map's answer. `message:send` is typed as a
 * message: a command ("/help") answers a CommandAnswerDto instead, which the tests only match.
 */
export type AckOf<E extends string> = Ack<
  E extends 'message:send' ? MessageDto : E extends ClientEventName ? ClientEvents[E]['answer'] : unknown
>;

/** An acknowledgement: `{ ok: true, data }` or `{ ok: false, error }` (`data` is typed for the ok case). */
export interface Ack<T = unknown> {
  ok: boolean;
  data: T;
  error?: ErrorResponseDto;
}

interface Received {
  event: string;
  data: unknown;
}

/**
 * A socket.io client that records every event it receives, so that a test can wait for one
 * whether it arrived before or after the wait started (no race with the action that caused it).
 */
export class TestSocket {
  readonly received: Received[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, data: unknown) => {
      this.received.push({ event, data });
      for (const wake of [...this.waiters]) wake();
    });
  }

  get id(): string {
    return this.socket.id!;
  }

  /** The first not yet consumed `event` matching `predicate` (consumed now), or a timeout error. */
  waitFor<E extends ServerEventName>(
    event: E,
    predicate: (data: ServerEvents[E]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ServerEvents[E]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.received.findIndex((r) => r.event === event && predicate(r.data as ServerEvents[E]));
        if (i < 0) return false;
        const [hit] = this.received.splice(i, 1);
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit.data as ServerEvents[E]);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.received.map((r) => `${r.event} ${JSON.stringify(r.data).slice(0, 200)}`).join('\n  ');
        reject(new Error(`no "${event}" matching within ${timeoutMs} ms; received:\n  ${seen}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Asserts that no matching `event` arrives within `ms` (a short bounded wait). */
  async nothing<E extends ServerEventName>(event: E, predicate: (data: ServerEvents[E]) => boolean = () => true, ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const hit = this.received.find((r) => r.event === event && predicate(r.data as ServerEvents[E]));
    if (hit) throw new Error(`unexpected "${event}": ${JSON.stringify(hit.data).slice(0, 500)}`);
  }

  /** Emits a client event and resolves with its acknowledgement. */
  call<E extends string>(event: E, ...args: unknown[]): Promise<AckOf<E>> {
    return this.socket.timeout(10_000).emitWithAck(event, ...args) as Promise<AckOf<E>>;
  }

  /** Resolves when the server closes this socket (with the reason). */
  disconnected(timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) return resolve('already disconnected');
      const timer = setTimeout(() => reject(new Error('still connected')), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Connects with a token; resolves when connected, rejects with the `connect_error`. */
export function connectSocket(url: string, token: string | undefined, auth?: Record<string, unknown>): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: auth ?? (token === undefined ? {} : { token }),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    const client = new TestSocket(socket);
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/**
 * The sockets a spec opens, all closed after the spec file (`afterEach: true`: after each test).
 * `open` connects to a service (or one instance of several) as a user, or with a bare token.
 */
export function useSockets(options: { afterEach?: boolean } = {}) {
  const opened: TestSocket[] = [];
  const closeAll = () => {
    for (const s of opened.splice(0)) s.close();
  };
  if (options.afterEach) afterEach(closeAll);
  afterAll(closeAll);
  return {
    async open(at: { url: string }, who: { accessToken: string } | string): Promise<TestSocket> {
      const socket = await connectSocket(at.url, typeof who === 'string' ? who : who.accessToken);
      opened.push(socket);
      return socket;
    },
  };
}

/** An access token signed like the service's, with the given claims (e.g. an expired one). */
export function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
}

export function accessClaims(token: string): AccessClaims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as AccessClaims;
}
