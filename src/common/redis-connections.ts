import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { createClient, RedisClientType, RedisScripts } from 'redis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The Redis clients of this instance (when REDIS_URL is set): commands, and a pub/sub pair. */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly clients: Array<Pick<RedisClientType, 'quit' | 'destroy'>> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return this.config.redisUrl !== null;
  }

  /** A new connected client, with the Lua `scripts` given (node-redis loads them); reconnects by itself after an outage. */
  async connect<S extends RedisScripts = Record<never, never>>(name: string, scripts?: S) {
    const client = createClient({
      url: this.config.redisUrl!,
      socket: { reconnectStrategy: (retries) => Math.min(retries * 100, 2000), connectTimeout: 3000 },
      disableOfflineQueue: true,
      scripts,
    });
    let lastError = '';
    client.on('error', (err: Error) => {
      if (err.message !== lastError) this.logger.warn(`${name}: ${err.message}`);
      lastError = err.message;
    });
    client.on('ready', () => (lastError = ''));
    await client.connect();
    this.clients.push(client);
    return client;
  }

  private commandClient?: Promise<RedisClientType>;

  command(): Promise<RedisClientType> {
    this.commandClient ??= this.connect('command');
    return this.commandClient;
  }

  async ping(): Promise<void> {
    const client = await this.command();
    await Promise.race([client.ping(), new Promise((_, fail) => setTimeout(() => fail(new Error('redis ping timed out')), 2000))]);
  }

  async onApplicationShutdown() {
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.destroy())));
  }
}

@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
