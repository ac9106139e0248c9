import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventBus } from '../common/event-bus';
import { PresenceEvent } from './presence.events';
import { RedisConnections } from '../common/redis-connections';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LocalPresenceStore, newToken, PRESENCE_SCRIPTS, PresenceStore, RedisPresenceStore, tokenTime } from './presence-store';
import { PresenceRepository } from './presence.repository';
import { LocalSessionPresence, RedisSessionPresence, SessionPresence } from './session-presence';

export interface PresenceState {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

/** How often an instance refreshes its heartbeat in Redis, and how long the heartbeat lives. */
const HEARTBEAT_MS = 2000;
const HEARTBEAT_TTL_MS = 6000;
const REDIS_PREFIX = 'presence:';

/**
 * Who is online. A user is online while it has a socket on any instance, and for PRESENCE_GRACE_MS
 * after its last one goes; then it turns offline, `lastSeenAt` is stored (the moment its last
 * socket went) and the users who share a chat with it are told ('presence'). A socket that
 * comes back within the grace period cancels all that: nobody is told anything.
 *
 * Without REDIS_URL the state lives in this process. With it, it lives in Redis (see
 * RedisPresenceStore): every instance answers `onlineOf` the same, and the grace timer is held by
 * the instance where the last socket went, which re-checks the shared state before announcing.
 */
@Injectable()
export class PresenceService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Presence');
  /** Sockets connected to this instance, per user. */
  private readonly local = new Map<string, number>();
  /** Grace timers this instance holds, per user. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly localStore = new LocalPresenceStore(this.local);
  private store: PresenceStore = this.localStore;
  private redisStore: RedisPresenceStore | null = null;
  /** Sockets connected to this instance, per session (device): push notifications skip connected sessions. */
  private readonly localSessions = new Map<string, number>();
  private sessions: SessionPresence = new LocalSessionPresence(this.localSessions);
  private redisSessions: RedisSessionPresence | null = null;
  private heartbeat?: NodeJS.Timeout;
  private beating = false;
  private stopped = false;
  private lastWarning = { message: '', at: 0 };
  readonly instanceId = randomUUID();

  constructor(
    private readonly repository: PresenceRepository,
    private readonly events: EventBus,
    private readonly redis: RedisConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.redis.configured) return;
    // A connection that came back may be to a Redis (node) that lost its keys: the next heartbeat writes ours again.
    const client = await this.redis.connect('presence', PRESENCE_SCRIPTS, () => {
      this.redisStore?.resyncDue();
      this.redisSessions?.resyncDue();
    });
    this.redisStore = new RedisPresenceStore(
      client,
      {
        prefix: REDIS_PREFIX,
        instanceId: this.instanceId,
        heartbeatTtlMs: HEARTBEAT_TTL_MS,
        tokenTtlMs: this.config.presenceGraceMs + 60_000,
      },
      this.local,
      this.timers,
    );
    this.store = this.redisStore;
    this.redisSessions = new RedisSessionPresence(
      client,
      { prefix: REDIS_PREFIX, instanceId: this.instanceId, ttlMs: HEARTBEAT_TTL_MS },
      this.localSessions,
    );
    this.sessions = this.redisSessions;
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Shutdown: stop counting (the closing sockets need not be), and let a survivor take over. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    try {
      if (this.redisStore) {
        await this.redisStore.leave();
        await this.redisSessions?.leave();
      } else {
        // Nobody else will: remember when the users of this single instance were last seen.
        const shown = this.localStore.shownUsers();
        const now = shown.filter((s) => (this.local.get(s.userId) ?? 0) > 0);
        await this.repository.setLastSeen(
          now.map((s) => s.userId),
          new Date(),
        );
        for (const s of shown) if (!now.includes(s)) await this.repository.setLastSeen([s.userId], s.lastSeen);
      }
    } catch (err) {
      this.warn('shutdown', err);
    }
  }

  /** A socket of the user's session connected to this instance. */
  async connected(userId: string, sessionId: string): Promise<void> {
    if (this.stopped) return;
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    const sessionSockets = (this.localSessions.get(sessionId) ?? 0) + 1;
    this.localSessions.set(sessionId, sessionSockets);
    // Each on its own: the session's key and the user's may live on different Redis nodes.
    if (sessionSockets === 1) await this.sessions.added(sessionId).catch((err) => this.warn('connect', err));
    try {
      if (await this.store.add(userId)) await this.announce(userId, true, null);
    } catch (err) {
      this.warn('connect', err);
    }
  }

  /** A socket of the user's session (that `connected` counted) went away. */
  async disconnected(userId: string, sessionId: string): Promise<void> {
    if (this.stopped) return;
    const left = (this.local.get(userId) ?? 0) - 1;
    if (left > 0) this.local.set(userId, left);
    else this.local.delete(userId);
    const sessionLeft = (this.localSessions.get(sessionId) ?? 0) - 1;
    if (sessionLeft > 0) this.localSessions.set(sessionId, sessionLeft);
    else this.localSessions.delete(sessionId);
    const token = newToken();
    if (sessionLeft <= 0) await this.sessions.removed(sessionId).catch((err) => this.warn('disconnect', err));
    try {
      if (await this.store.remove(userId, token)) this.schedule(userId, token);
    } catch (err) {
      this.warn('disconnect', err);
    }
  }

  /**
   * The sessions of these that have a connected socket on any instance (no grace period: a device
   * without a socket gets push notifications). When Redis cannot be reached, those of this instance:
   * a push too many rather than one lost.
   */
  async connectedSessions(sessionIds: string[]): Promise<Set<string>> {
    if (!sessionIds.length) return new Set();
    try {
      return await this.sessions.connectedOf(sessionIds);
    } catch (err) {
      this.warn('sessions', err);
      return new Set(sessionIds.filter((id) => this.localSessions.has(id)));
    }
  }

  async onlineOf(userIds: string[]): Promise<Set<string>> {
    try {
      return await this.store.onlineOf(userIds);
    } catch (err) {
      // Redis is unreachable: say what this instance knows.
      this.warn('online', err);
      return new Set(userIds.filter((id) => this.local.has(id)));
    }
  }

  /** Presence of existing users; unknown ids are left out. */
  async states(userIds: string[]): Promise<PresenceState[]> {
    const [online, lastSeen] = await Promise.all([this.onlineOf(userIds), this.repository.findLastSeen(userIds)]);
    return userIds
      .filter((id) => lastSeen.has(id))
      .map((id) => ({ userId: id, online: online.has(id), lastSeenAt: lastSeen.get(id)?.toISOString() ?? null }));
  }

  private schedule(userId: string, token: string): void {
    clearTimeout(this.timers.get(userId)); // superseded: the store holds the newer token
    const timer = setTimeout(() => {
      if (this.timers.get(userId) === timer) this.timers.delete(userId);
      void this.settle(userId, token);
    }, this.config.presenceGraceMs);
    timer.unref();
    this.timers.set(userId, timer);
  }

  private async settle(userId: string, token: string): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.store.settle(userId, token)) await this.announce(userId, false, tokenTime(token));
    } catch (err) {
      this.warn('offline', err);
    }
  }

  private async announce(userId: string, online: boolean, wentAt: Date | null): Promise<void> {
    let lastSeen: Date | null;
    if (online) {
      lastSeen = (await this.repository.findLastSeen([userId])).get(userId) ?? null;
    } else {
      lastSeen = wentAt!;
      await this.repository.setLastSeen([userId], lastSeen);
    }
    const recipientIds = await this.repository.coMemberIds(userId);
    if (!recipientIds.length) return;
    this.events.emit('presence', {
      userId,
      online,
      lastSeenAt: lastSeen?.toISOString() ?? null,
      recipientIds,
    } satisfies PresenceEvent);
  }

  private async beat(): Promise<void> {
    if (!this.redisStore || this.beating || this.stopped) return;
    this.beating = true;
    try {
      const token = newToken();
      const { graces, shown } = await this.redisStore.heartbeat(token);
      await this.redisSessions?.beat();
      const orphans = graces.filter((g) => g.token === token).length;
      if (orphans) this.logger.log(`took over the presence of ${orphans} user(s) of a stopped instance`);
      for (const grace of graces) this.schedule(grace.userId, grace.token);
      for (const userId of shown) await this.announce(userId, true, null);
    } catch (err) {
      this.warn('heartbeat', err);
    } finally {
      this.beating = false;
    }
  }

  /** Logs a failure, at most once per 10 s for the same message (an outage is not a flood). */
  private warn(what: string, err: unknown): void {
    const message = `presence ${what} failed: ${(err as Error)?.message ?? err}`;
    const now = Date.now();
    if (message === this.lastWarning.message && now - this.lastWarning.at < 10_000) return;
    this.lastWarning = { message, at: now };
    this.logger.warn(message);
  }
}
