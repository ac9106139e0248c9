import type { Server as HttpServer } from 'node:http';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisClientType, RedisClusterType } from '@redis/client';
import { Server, ServerOptions } from 'socket.io';
import { RedisConnections } from '../common/redis-connections';
import { AppConfig } from '../config/app-config';
import { boundOutbound } from './outbound-limits';

/** How long a new socket waits for its rooms' channels to be subscribed (a master down: it goes on without). */
const SUBSCRIBE_WAIT_MS = 2000;

/** The sharded adapter's subscriptions in flight, by channel, of each server (see `whenSubscribed`). */
const subscribing = new WeakMap<Server, Map<string, Promise<unknown>>>();

/**
 * Resolves once the channels of these rooms are subscribed on this instance (at most
 * SUBSCRIBE_WAIT_MS). On a Redis Cluster the sharded adapter subscribes to a room's own channel when
 * the room is made here, without waiting: an emit published before the SSUBSCRIBE is done would never
 * reach a socket that just joined. The gateway waits for it before the socket counts as connected
 * (and its client catches up over REST). At once with one Redis or none: nothing is per room there.
 */
export async function whenSubscribed(server: Server, rooms: string[]): Promise<void> {
  const pending = subscribing.get(server);
  if (!pending?.size) return;
  const waits = rooms.map((room) => pending.get(`socket.io#${server.of('/').name}#${room}#`)).filter((p) => p !== undefined);
  if (!waits.length) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(waits), new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
  clearTimeout(timer);
}

/** Largest socket.io frame accepted; a bigger one closes that connection. */
export const SOCKET_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The socket.io server of the application: settings from the configuration, the Redis adapter
 * (with REDIS_URL; sharded pub/sub with REDIS_CLUSTER_URLS) so that emits to rooms reach the
 * sockets of every instance.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private readonly log = new Logger('Realtime');
  private redisAdapter?: ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
  /** The sharded adapter's SSUBSCRIBEs in flight (the server's entry in `subscribing`). */
  private readonly pendingSubscribes = new Map<string, Promise<unknown>>();

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  /** Connects the pub/sub pair of the Redis adapter; call before the server is created. */
  async connectRedis(redis: RedisConnections): Promise<void> {
    if (redis.cluster) {
      // Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE): a channel lives on the master of its slot,
      // so the traffic spreads over the masters instead of every message reaching every node.
      const [pub, sub] = await Promise.all([redis.connectCluster('socket.io pub'), redis.connectCluster('socket.io sub')]);
      this.redisAdapter = createShardedAdapter(this.safePublisher(pub, 'sPublish'), this.safeSubscriber(sub));
      return;
    }
    const [pub, sub] = await Promise.all([redis.connect('socket.io pub'), redis.connect('socket.io sub')]);
    this.redisAdapter = createAdapter(this.safePublisher(pub, 'publish'), sub);
  }

  // Typed loosely: the base class is typed with the socket.io copy @nestjs/platform-socket.io pins.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override createIOServer(port: number, options?: object): any {
    const settings: Partial<ServerOptions> = {
      ...options,
      serveClient: false,
      maxHttpBufferSize: SOCKET_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      // connectionStateRecovery stays off: a reconnecting client catches up through the REST
      // history (API.md, "Reconnect").
      cors: { origin: this.config.corsOrigins, credentials: false },
      ...(this.redisAdapter ? { adapter: this.redisAdapter } : {}),
    };
    // Our own socket.io (the project's version, not the copy @nestjs/platform-socket.io pins), on
    // the HTTP server of the application.
    // Nest types its HTTP server as any; it is Node's http.Server here.
    const http = this.httpServer as HttpServer | undefined;
    const server = http && port === 0 ? new Server(http, settings) : new Server(port, settings);
    subscribing.set(server, this.pendingSubscribes);
    // socket.io keeps the handshake's HTTP request for the socket's whole life; nothing here needs
    // it after the handshake (the token is in `socket.handshake.auth`), so free it per connection.
    const limits = { maxBytes: this.config.socketOutboundMaxBytes, maxEvents: this.config.socketOutboundMaxEvents };
    server.engine.on('connection', (raw: { request: unknown } & Parameters<typeof boundOutbound>[0]) => {
      raw.request = null;
      boundOutbound(raw, limits, this.log);
    });
    return server;
  }

  /**
   * The adapter publishes without awaiting; during a Redis outage each publish would reject
   * unhandled (fatal in Node). This client logs instead: the emit is lost, as over a broken link.
   */
  private safePublisher<C extends Pick<RedisClientType, 'publish' | 'sPublish'>>(client: C, method: 'publish' | 'sPublish'): C {
    let lastError = 0;
    const publish = (...args: Parameters<RedisClientType['publish']>) =>
      client[method](...args).catch((err: Error) => {
        if (Date.now() - lastError > 10_000) this.log.warn(`socket.io publish failed: ${err.message}`);
        lastError = Date.now();
        return 0;
      });
    return new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === method) return publish;
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * The sharded adapter subscribes to a room's channel when the room is made and unsubscribes when
   * it goes, without awaiting either: a socket that comes or goes while the channel's master is
   * down would reject unhandled (fatal). This client logs instead.
   */
  private safeSubscriber<C extends Pick<RedisClusterType, 'sSubscribe' | 'sUnsubscribe'>>(client: C): C {
    let lastError = 0;
    const safe =
      (call: (...args: unknown[]) => Promise<unknown>) =>
      (...args: unknown[]) =>
        call(...args).catch((err: Error) => {
          if (Date.now() - lastError > 10_000) this.log.warn(`socket.io (un)subscribe failed: ${err.message}`);
          lastError = Date.now();
        });
    const subscribe = safe(client.sSubscribe.bind(client) as (...args: unknown[]) => Promise<unknown>);
    const pending = this.pendingSubscribes;
    const wrapped = {
      sSubscribe: (...args: unknown[]) => {
        const done = subscribe(...args);
        const channels = ([] as unknown[]).concat(args[0]).map(String);
        for (const channel of channels) pending.set(channel, done);
        void done.finally(() => {
          for (const channel of channels) if (pending.get(channel) === done) pending.delete(channel);
        });
        return done;
      },
      sUnsubscribe: safe(client.sUnsubscribe.bind(client) as (...args: unknown[]) => Promise<unknown>),
    };
    return new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'sSubscribe' || prop === 'sUnsubscribe') return wrapped[prop];
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
