import type { EventEmitter } from 'node:events';
import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { RedisClientType, RedisClusterType, RedisScripts } from '@redis/client';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * The Redis clients of this instance (when REDIS_URL or REDIS_CLUSTER_URLS is set): commands, and a
 * pub/sub pair. On a Redis Cluster each is a cluster client, which routes every command to the
 * master of its key's slot and follows the cluster when slots move or a master comes back.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** Closes each client: QUIT, else cut. */
  private readonly closers: Array<() => Promise<unknown>> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return this.config.redisUrl !== null || this.cluster;
  }

  /** A Redis Cluster (REDIS_CLUSTER_URLS) rather than one Redis. */
  get cluster(): boolean {
    return this.config.redisClusterUrls.length > 0;
  }

  /**
   * A new connected client, with the Lua `scripts` given (node-redis loads them); reconnects by
   * itself after an outage. `reconnected` is called each time a connection is ready again (to the
   * Redis, or to a node of the cluster): the server may have restarted and lost its keys.
   */
  async connect<S extends RedisScripts = Record<never, never>>(name: string, scripts?: S, reconnected?: () => void) {
    if (this.cluster) {
      // The cluster client has the command methods of a client; every command this service sends
      // names its keys (scripts get them as KEYS, hash-tagged to one slot), which it routes by.
      const cluster = await this.connectCluster(name, scripts);
      // After the first connection to each node: a node that came back, or a new one (a replica promoted).
      if (reconnected) cluster.on('node-ready', reconnected);
      return cluster as unknown as RedisClientType<Record<never, never>, Record<never, never>, S>;
    }
    // Required here, not at the top: an instance without Redis never loads the client (≈ 0.4 s of a start).
    const { createClient } = await import('@redis/client');
    const client = createClient({ url: this.config.redisUrl!, ...CLIENT_OPTIONS, scripts });
    this.watch(name, client);
    await client.connect();
    if (reconnected) client.on('ready', reconnected);
    this.closers.push(() => client.quit().catch(() => client.destroy()));
    return client;
  }

  /** A new connected Redis Cluster client (REDIS_CLUSTER_URLS as its seed nodes). */
  async connectCluster<S extends RedisScripts = Record<never, never>>(name: string, scripts?: S) {
    const { createCluster } = await import('@redis/client');
    const cluster = createCluster({
      rootNodes: this.config.redisClusterUrls.map((url) => ({ url })),
      defaults: CLIENT_OPTIONS,
      scripts,
    });
    this.watch(name, cluster);
    await cluster.connect();
    this.closers.push(() => cluster.quit().catch(() => cluster.destroy()));
    return cluster;
  }

  private watch(name: string, client: EventEmitter): void {
    let lastError = '';
    client.on('error', (err: Error) => {
      if (err.message !== lastError) this.logger.warn(`${name}: ${err.message}`);
      lastError = err.message;
    });
    client.on('ready', () => (lastError = ''));
  }

  private commandClient?: Promise<RedisClientType>;
  private clusterClient?: Promise<RedisClusterType>;

  command(): Promise<RedisClientType> {
    this.commandClient ??= this.connect('command');
    return this.commandClient;
  }

  async ping(): Promise<void> {
    const ping = this.cluster
      ? // PING names no key: any node answers; the cluster client asks one it knows.
        (this.clusterClient ??= this.connectCluster('command')).then((c) => c.sendCommand(undefined, true, ['PING']))
      : this.command().then((c) => c.ping());
    await Promise.race([ping, new Promise((_, fail) => setTimeout(() => fail(new Error('redis ping timed out')), 2000))]);
  }

  async onApplicationShutdown() {
    await Promise.all(this.closers.map((close) => close()));
  }
}

const CLIENT_OPTIONS = {
  socket: { reconnectStrategy: (retries: number) => Math.min(retries * 100, 2000), connectTimeout: 3000 },
  disableOfflineQueue: true,
};

@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
