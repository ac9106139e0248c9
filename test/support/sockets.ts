import { createHmac } from 'node:crypto';
import { io, Socket, type ManagerOptions } from 'socket.io-client';
import { asyncApi } from './asyncapi';
import { DocumentMismatch } from './schema-check';
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

/** An ack callback as socket.io-client calls it; `withError`: error first (`emitWithAck`, a timeout). */
type AckCallback = ((...args: unknown[]) => void) & { withError?: boolean };

/**
 * A socket.io client that records every event it receives, so that a test can wait for one
 * whether it arrived before or after the wait started (no race with the action that caused it).
 *
 * Every server event and every acknowledgement (also of what a spec emits on `socket` itself) is
 * checked against asyncapi.json. A mismatch found inside socket.io's callbacks cannot fail the test
 * from there: it is kept, and thrown by the next `waitFor`, `call`, `nothing`, `disconnected` or
 * `close` (a pending `waitFor` fails at once; so does the ack's promise of `emitWithAck`).
 */
export class TestSocket {
  readonly received: Received[] = [];
  private readonly waiters = new Set<() => void>();
  /** Mismatches no test code has seen yet (oldest first). */
  private readonly unseen: Error[] = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, ...args: unknown[]) => {
      this.received.push({ event, data: args[0] });
      const mismatch = attempt(() => {
        if (args.length !== 1)
          throw new DocumentMismatch(`asyncapi: the server emitted "${event}" with ${args.length} arguments; the document has one payload`);
        asyncApi().serverEvent(event, args[0]);
      });
      if (mismatch) this.unseen.push(mismatch);
      for (const wake of [...this.waiters]) wake();
    });
    this.checkAcks();
  }

  /** Throws the oldest mismatch no test code has seen (each once: the test that sees it fails). */
  private rethrow(): void {
    const mismatch = this.unseen.shift();
    if (mismatch) throw mismatch;
  }

  /** Wraps the ack callback of every emit (call, emitWithAck, emit with a callback) to check the ack. */
  private checkAcks(): void {
    const socket = this.socket;
    const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => Socket;
    const flags = () => (socket as unknown as { flags: { timeout?: number } }).flags;
    (socket as unknown as { emit: typeof emit }).emit = (event, ...args) => {
      const callback = args[args.length - 1];
      if (typeof callback !== 'function') return emit(event, ...args);
      const cb = callback as AckCallback;
      const errorFirst = cb.withError === true || flags().timeout !== undefined;
      const checked: AckCallback = (...answer) => {
        // Error first: (null, ack), or (Error) when no ack came in time (nothing to check).
        if (errorFirst && answer[0] != null) return cb(...answer);
        const mismatch = attempt(() => asyncApi().ack(event, errorFirst ? answer[1] : answer[0]));
        // An error-first callback (the ack's promise) fails with it at once; a plain one cannot take it.
        if (mismatch && errorFirst) return cb(mismatch);
        if (mismatch) this.unseen.push(mismatch);
        return cb(...answer);
      };
      checked.withError = cb.withError;
      return emit(event, ...args.slice(0, -1), checked);
    };
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
        const mismatch = this.unseen.shift();
        if (mismatch) {
          this.waiters.delete(check);
          clearTimeout(timer);
          reject(mismatch);
          return true;
        }
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
    this.rethrow();
    const hit = this.received.find((r) => r.event === event && predicate(r.data as ServerEvents[E]));
    if (hit) throw new Error(`unexpected "${event}": ${JSON.stringify(hit.data).slice(0, 500)}`);
  }

  /** Emits a client event and resolves with its acknowledgement. */
  async call<E extends string>(event: E, ...args: unknown[]): Promise<AckOf<E>> {
    this.rethrow();
    const ack = (await this.socket.timeout(10_000).emitWithAck(event, ...args)) as AckOf<E>;
    this.rethrow();
    return ack;
  }

  /** Resolves when the server closes this socket (with the reason). */
  disconnected(timeoutMs = 5000): Promise<string> {
    this.rethrow();
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) return resolve('already disconnected');
      const timer = setTimeout(() => reject(new Error('still connected')), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  /** Disconnects; then throws a mismatch the test has not seen yet. */
  close(): void {
    this.socket.disconnect();
    this.rethrow();
  }
}

/** Runs a document check inside a socket.io callback, where a throw would be lost: returns the failure. */
function attempt(run: () => void): Error | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Connects with a token; resolves when connected, rejects with the `connect_error`. A refusal by
 * the server is checked against asyncapi.json (a mismatch rejects instead); errors of the
 * transport (unreachable, timed out) are not the server's answer and are passed on as they are.
 */
export function connectSocket(
  url: string,
  token: string | undefined,
  auth?: Record<string, unknown>,
  options: Pick<ManagerOptions, 'transports'> = {},
): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: auth ?? (token === undefined ? {} : { token }),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
      ...options,
    });
    const client = new TestSocket(socket);
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(isRefusal(err) ? checkedRefusal(err) : err);
    });
  });
}

/**
 * A CONNECT_ERROR packet of the server (its middleware said no), as opposed to the client's own
 * errors: engine.io's TransportError (`type`) or the connect timeout.
 */
function isRefusal(err: Error): boolean {
  return (err as { type?: unknown }).type === undefined && err.message !== 'timeout';
}

function checkedRefusal(err: Error): Error {
  return attempt(() => asyncApi().connectRefusal(err)) ?? err;
}

/**
 * The sockets a spec opens, all closed after the spec file (`afterEach: true`: after each test).
 * `open` connects to a service (or one instance of several) as a user, or with a bare token.
 */
export function useSockets(options: { afterEach?: boolean } = {}) {
  const opened: TestSocket[] = [];
  const closeAll = () => {
    // Every socket is closed before a mismatch one of them kept is thrown.
    const errors: unknown[] = [];
    for (const s of opened.splice(0)) {
      try {
        s.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
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
