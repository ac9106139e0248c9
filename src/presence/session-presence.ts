import type { RedisClientType } from '@redis/client';
import { resyncOnFailure } from './presence-store';

/**
 * Which sessions (devices) have a connected socket on some instance: push notifications go only to
 * sessions that have none. Each instance counts its own sockets per session (`local`); this says
 * what the other instances have.
 */
export interface SessionPresence {
  /** The session's first socket on this instance connected. */
  added(sessionId: string): Promise<void>;
  /** The session's last socket on this instance went. */
  removed(sessionId: string): Promise<void>;
  /** The sessions of these that have a socket on any instance. */
  connectedOf(sessionIds: string[]): Promise<Set<string>>;
}

/** One instance, no Redis: this process's counts are everything. */
export class LocalSessionPresence implements SessionPresence {
  constructor(private readonly local: ReadonlyMap<string, number>) {}

  added(): Promise<void> {
    return Promise.resolve();
  }

  removed(): Promise<void> {
    return Promise.resolve();
  }

  connectedOf(sessionIds: string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(sessionIds.filter((id) => this.local.has(id))));
  }
}

export interface RedisSessionPresenceOptions {
  prefix: string;
  instanceId: string;
  /** How long an instance's set outlives its last heartbeat: a crashed instance's sessions stop counting then. */
  ttlMs: number;
}

/**
 * Shared through Redis: each instance keeps the set of its sessions that have a socket there,
 * `instance:<id>:sessions`, refreshed with a TTL at each presence heartbeat, so the set of an
 * instance that died goes away by itself. A lookup asks the set of every instance in the
 * heartbeat list. Every command touches one key: this works on Redis Cluster as it is.
 */
export class RedisSessionPresence implements SessionPresence {
  /** Whether the next heartbeat writes the set again (a write failed, or a connection came back). */
  private due = false;

  constructor(
    private readonly client: Pick<RedisClientType, 'sAdd' | 'sRem' | 'pExpire' | 'smIsMember' | 'zRange' | 'del'>,
    private readonly options: RedisSessionPresenceOptions,
    private readonly local: ReadonlyMap<string, number>,
  ) {}

  /** A connection to Redis came back: it may have come back empty. */
  resyncDue(): void {
    this.due = true;
  }

  async added(sessionId: string): Promise<void> {
    const key = this.key(this.options.instanceId);
    await this.written(async () => {
      await this.client.sAdd(key, sessionId);
      await this.client.pExpire(key, this.options.ttlMs);
    });
  }

  async removed(sessionId: string): Promise<void> {
    // Connected again meanwhile: the set keeps it.
    if (this.local.has(sessionId)) return;
    await this.written(() => this.client.sRem(this.key(this.options.instanceId), sessionId));
  }

  /** At each heartbeat: the set lives on; when Redis lost it or a write failed, it is written again from this instance's counts. */
  async beat(): Promise<void> {
    const key = this.key(this.options.instanceId);
    const due = this.due;
    this.due = false;
    await this.written(async () => {
      if ((await this.client.pExpire(key, this.options.ttlMs)) && !due) return;
      await this.client.del(key);
      if (!this.local.size) return;
      await this.client.sAdd(key, [...this.local.keys()]);
      await this.client.pExpire(key, this.options.ttlMs);
    });
  }

  private written<T>(write: () => Promise<T>): Promise<T> {
    return resyncOnFailure(write, () => (this.due = true));
  }

  /** This instance stops: its sockets are closing. */
  async leave(): Promise<void> {
    await this.client.del(this.key(this.options.instanceId));
  }

  async connectedOf(sessionIds: string[]): Promise<Set<string>> {
    const connected = new Set(sessionIds.filter((id) => this.local.has(id)));
    const rest = sessionIds.filter((id) => !connected.has(id));
    if (!rest.length) return connected;
    const instances = (await this.client.zRange(`${this.options.prefix}heartbeats`, 0, -1)).filter(
      (id) => id !== this.options.instanceId && !id.startsWith('reap:'),
    );
    const answers = await Promise.all(instances.map((id) => this.client.smIsMember(this.key(id), rest)));
    for (const answer of answers) {
      answer.forEach((member, i) => {
        if (Number(member) === 1) connected.add(rest[i]);
      });
    }
    return connected;
  }

  private key(instanceId: string): string {
    return `${this.options.prefix}instance:${instanceId}:sessions`;
  }
}
