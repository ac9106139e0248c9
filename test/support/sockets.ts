import { createHmac } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import { TEST_JWT_SECRET } from './service';

export interface Ack {
  ok: boolean;
  data?: any;
  error?: { statusCode: number; code: string; message: string; details?: unknown[] };
}

interface Received {
  event: string;
  data: any;
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
  waitFor<T = any>(event: string, predicate: (data: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.received.findIndex((r) => r.event === event && predicate(r.data));
        if (i < 0) return false;
        const [hit] = this.received.splice(i, 1);
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit.data);
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
  async nothing(event: string, predicate: (data: any) => boolean = () => true, ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const hit = this.received.find((r) => r.event === event && predicate(r.data));
    if (hit) throw new Error(`unexpected "${event}": ${JSON.stringify(hit.data).slice(0, 500)}`);
  }

  /** Emits a client event and resolves with its acknowledgement. */
  call(event: string, ...args: unknown[]): Promise<Ack> {
    return this.socket.timeout(10_000).emitWithAck(event, ...args);
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

/** An access token signed like the service's, with the given claims (e.g. an expired one). */
export function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export function accessClaims(token: string): { sub: string; sid: string; iat: number; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
