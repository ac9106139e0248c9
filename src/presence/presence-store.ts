import { randomBytes } from 'node:crypto';
import type { CommandParser, RedisClientType } from '@redis/client';
import { defineScript } from '../common/redis-script';

/**
 * Who has sockets, and what other users were told. A user is "shown" online from its first socket
 * until the grace period after its last socket ends without a new one; while in that period the
 * user has a "left" token naming the moment its last socket went. Only the holder of the current
 * token may turn the user offline (`settle`), so a reconnect or a later disconnect cancels it.
 *
 * Counts of this instance's own sockets are kept by the caller (`local`) and passed in.
 */
export interface PresenceStore {
  /** A socket of the user connected here; true when the user was shown offline (announce online). */
  add(userId: string): Promise<boolean>;
  /** A socket went; true when the user has no socket left anywhere: `settle(token)` after the grace period. */
  remove(userId: string, token: string): Promise<boolean>;
  /** True when the token is still current and no socket came back: the user is now offline (announce). */
  settle(userId: string, token: string): Promise<boolean>;
  /** The users with a socket somewhere, or in their grace period. */
  onlineOf(userIds: string[]): Promise<Set<string>>;
}

/** A "left" token: when the last socket went (ms since the epoch), and a random part. */
export function newToken(at = Date.now()): string {
  return `${at}:${randomBytes(6).toString('hex')}`;
}

export function tokenTime(token: string): Date {
  return new Date(Number(token.slice(0, token.indexOf(':'))));
}

/** One instance, no Redis: everything in this process. */
export class LocalPresenceStore implements PresenceStore {
  private readonly shown = new Set<string>();
  private readonly left = new Map<string, string>();

  constructor(private readonly local: ReadonlyMap<string, number>) {}

  add(userId: string): Promise<boolean> {
    this.left.delete(userId);
    const shownAnew = !this.shown.has(userId);
    this.shown.add(userId);
    return Promise.resolve(shownAnew);
  }

  remove(userId: string, token: string): Promise<boolean> {
    const last = (this.local.get(userId) ?? 0) === 0 && this.shown.has(userId);
    if (last) this.left.set(userId, token);
    return Promise.resolve(last);
  }

  settle(userId: string, token: string): Promise<boolean> {
    const current = this.left.get(userId) === token && (this.local.get(userId) ?? 0) === 0;
    if (current) this.left.delete(userId);
    return Promise.resolve(current && this.shown.delete(userId));
  }

  onlineOf(userIds: string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(userIds.filter((id) => (this.local.get(id) ?? 0) > 0 || this.left.has(id))));
  }

  /** Users shown online (at shutdown: their last seen time is now, or when their last socket went). */
  shownUsers(): Array<{ userId: string; lastSeen: Date }> {
    const now = new Date();
    return [...this.shown].map((userId) => {
      const token = this.left.get(userId);
      return { userId, lastSeen: token ? tokenTime(token) : now };
    });
  }
}

// Keys, all under the prefix. Every key a script touches is passed in KEYS, and the keys of one
// user share the hash tag {user:<id>}: on Redis Cluster each script stays within one slot. The
// scripts start with a `#!lua` line (Redis 7), which makes Redis refuse a script that strays into
// another slot instead of allowing it for compatibility.
//   {user:<id>}:sockets    hash: instance → number of the user's sockets there
//   {user:<id>}:shown      set while other users were told the user is online
//   {user:<id>}:left       the current "left" token while the user is in its grace period (with a TTL)
//   heartbeats             sorted set: instance → when its heartbeat ends (ms, Redis clock), and
//                          reap:<instance> → until when a survivor's claim to reap it holds
//   instance:<id>:users    the users with sockets on the instance or whose grace timer it holds (and
//                          maybe a few it no longer needs: taken out at its next heartbeat)

/** The sum of a user's socket counts. */
const SOCKETS = `
local function sockets(key)
  local n = 0
  for _, c in ipairs(redis.call('HVALS', key)) do n = n + tonumber(c) end
  return n
end
`;

interface UserKeys {
  sockets: string;
  left: string;
  shown: string;
}

function pushUserKeys(parser: CommandParser, keys: UserKeys): void {
  parser.pushKey(keys.sockets);
  parser.pushKey(keys.left);
  parser.pushKey(keys.shown);
}

const asBoolean = (reply: unknown) => reply === 1;

/** The presence scripts, for `createClient({ scripts })`: node-redis runs them by SHA and loads them when Redis lacks them. */
export const PRESENCE_SCRIPTS = {
  /**
   * The user has `count` (> 0) sockets on `instance`: written as a number, not added to, so that
   * writing it again (a resync) is harmless. True when the user is shown anew.
   */
  presenceJoin: defineScript({
    NUMBER_OF_KEYS: 3,
    SCRIPT: `#!lua
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[2])
if redis.call('SET', KEYS[3], '1', 'NX') then return 1 end
return 0
`,
    parseCommand(parser: CommandParser, keys: UserKeys, instance: string, count: number) {
      pushUserKeys(parser, keys);
      parser.push(instance, String(count));
    },
    transformReply: asBoolean,
  }),

  /**
   * The user has `count` sockets left on `instance` (0 when the instance is reaped). True when it
   * has none left anywhere: its grace period starts with `token`. `mode` says what is known:
   *   live   a socket of this instance went, so the user was shown (its keys may have been lost
   *          with a Redis node: they are written again)
   *   again  a resync of a departure whose write may have been lost: as `live`, unless another
   *          instance's later token is current (that instance settles)
   *   reap   the instance stopped: only a user still shown gets a grace period
   */
  presenceLeave: defineScript({
    NUMBER_OF_KEYS: 3,
    SCRIPT: `#!lua
${SOCKETS}
if tonumber(ARGV[5]) > 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[1], ARGV[1]) end
if sockets(KEYS[1]) > 0 then return 0 end
if ARGV[4] == 'reap' and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if ARGV[4] == 'again' then
  local current = redis.call('GET', KEYS[2])
  if current and current ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[3], '1')
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`,
    parseCommand(
      parser: CommandParser,
      keys: UserKeys,
      instance: string,
      token: string,
      tokenTtlMs: number,
      mode: 'live' | 'again' | 'reap',
      count: number,
    ) {
      pushUserKeys(parser, keys);
      parser.push(instance, token, String(tokenTtlMs), mode, String(count));
    },
    transformReply: asBoolean,
  }),

  /** True when `token` is still current and no socket came back: the user is now offline. */
  presenceSettle: defineScript({
    NUMBER_OF_KEYS: 3,
    SCRIPT: `#!lua
${SOCKETS}
if redis.call('GET', KEYS[2]) ~= ARGV[1] or sockets(KEYS[1]) > 0 then return 0 end
redis.call('DEL', KEYS[2])
return redis.call('DEL', KEYS[3])
`,
    parseCommand(parser: CommandParser, keys: UserKeys, token: string) {
      pushUserKeys(parser, keys);
      parser.push(token);
    },
    transformReply: asBoolean,
  }),

  /** True while the user has a socket somewhere or is in its grace period. */
  presenceOnline: defineScript({
    NUMBER_OF_KEYS: 2,
    SCRIPT: `#!lua flags=no-writes
${SOCKETS}
if sockets(KEYS[1]) > 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
return 0
`,
    parseCommand(parser: CommandParser, keys: UserKeys) {
      parser.pushKey(keys.sockets);
      parser.pushKey(keys.left);
    },
    transformReply: asBoolean,
  }),

  /**
   * Refreshes the heartbeat of `instance`, or registers it anew when Redis does not know it (first
   * beat, or Redis lost it); while a survivor reaps it (it was stopped too long), it waits for that
   * to end. Claims the instances whose heartbeat ended, and the claims that ran out (their reaper
   * stopped midway), for the caller to reap. Returns [0 refreshed, 1 registered anew, 2 waiting;
   * the claimed instances].
   */
  presenceHeartbeat: defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: `#!lua
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local me, state = ARGV[1], 0
if not redis.call('ZSCORE', KEYS[1], me) then state = redis.call('ZSCORE', KEYS[1], 'reap:' .. me) and 2 or 1 end
if state ~= 2 then redis.call('ZADD', KEYS[1], now + ARGV[2], me) end
local claimed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  local dead = id
  if string.sub(id, 1, 5) == 'reap:' then dead = string.sub(id, 6) else redis.call('ZREM', KEYS[1], id) end
  redis.call('ZADD', KEYS[1], now + ARGV[3], 'reap:' .. dead)
  claimed[#claimed + 1] = dead
end
return { state, claimed }
`,
    parseCommand(parser: CommandParser, key: string, instance: string, heartbeatTtlMs: number, reapLeaseMs: number) {
      parser.pushKey(key);
      parser.push(instance, String(heartbeatTtlMs), String(reapLeaseMs));
    },
    transformReply: (reply: unknown) => {
      const [state, claimed] = reply as [number, string[]];
      return { registeredAnew: state === 1, claimed };
    },
  }),
};

export type PresenceRedisClient = RedisClientType<Record<never, never>, Record<never, never>, typeof PRESENCE_SCRIPTS>;

/** How long a survivor's claim to reap a stopped instance holds: should it stop too, another takes over then. */
const REAP_LEASE_MS = 30_000;

export interface RedisPresenceOptions {
  prefix: string;
  instanceId: string;
  heartbeatTtlMs: number;
  /** How long a "left" token lives in Redis: longer than the grace period. */
  tokenTtlMs: number;
}

/** A grace period this instance is to hold: `settle(userId, token)` when it ends. */
export interface Grace {
  userId: string;
  token: string;
}

/**
 * Runs a write to Redis; when it fails, `due()` marks that the next heartbeat must write this
 * instance's state again (the failed write may or may not have reached Redis), and the error goes on.
 */
export async function resyncOnFailure<T>(write: () => Promise<T>, due: () => void): Promise<T> {
  try {
    return await write();
  } catch (err) {
    due();
    throw err;
  }
}

/**
 * Shared by every instance through Redis. Each instance refreshes its heartbeat in `heartbeats`; the
 * sockets of an instance that stops doing so (crashed, or shut down) are reaped by the next
 * survivor to beat, so no user stays online forever. The decisions about one user are Lua
 * scripts on that user's keys: atomic, and within one cluster slot.
 *
 * The instance's set of users is not in those scripts (another slot): it is added to before the
 * user's keys, so a reaper always finds the user, and trimmed at heartbeats to the users this
 * instance still has sockets of, holds a grace timer of (`held`), or is about to. A reaper may
 * undo what a paused instance writes meanwhile: the instance waits for the reaping to end, then
 * registers anew and puts back what it has, as after Redis lost its data.
 *
 * Redis may lose keys: a node restarted empty (one Redis, or a master of a cluster), a failover to
 * a replica that lagged. Every write of a user's keys states this instance's whole part (its
 * socket count, its grace token), so writing it again is harmless; the next heartbeat after a
 * connection came back (`resyncDue`) or after a write failed writes again everything this
 * instance has. Between, a heartbeat costs the same few commands however many users there are.
 */
export class RedisPresenceStore implements PresenceStore {
  /** The users this instance put in its set, so that the ones it no longer needs are taken out. */
  private readonly listed = new Set<string>();
  /** Users whose `remove` is under way: the grace timer it may start is not `held` yet. */
  private readonly removing = new Map<string, number>();
  /** The token of each grace period this instance started or took over (and has not settled). */
  private readonly tokens = new Map<string, string>();
  /** Whether the next heartbeat writes again all this instance has (a write failed, or a connection came back). */
  private due = false;

  constructor(
    private readonly client: PresenceRedisClient,
    private readonly options: RedisPresenceOptions,
    private readonly local: ReadonlyMap<string, number>,
    private readonly held: ReadonlyMap<string, unknown>,
  ) {}

  /** A connection to Redis (or to a cluster node) came back: it may have come back empty. */
  resyncDue(): void {
    this.due = true;
  }

  async add(userId: string): Promise<boolean> {
    this.tokens.delete(userId);
    return this.written(async () => {
      const [, shown] = await Promise.all([
        this.list([userId]),
        this.client.presenceJoin(this.userKeys(userId), this.options.instanceId, this.local.get(userId) ?? 1),
      ]);
      return shown;
    });
  }

  async remove(userId: string, token: string): Promise<boolean> {
    const count = this.local.get(userId) ?? 0;
    if (count === 0) this.tokens.set(userId, token);
    this.removing.set(userId, (this.removing.get(userId) ?? 0) + 1);
    try {
      const { instanceId, tokenTtlMs } = this.options;
      const graced = await this.written(() =>
        this.client.presenceLeave(this.userKeys(userId), instanceId, token, tokenTtlMs, 'live', count),
      );
      // Sockets elsewhere: no grace period for this instance to hold.
      if (!graced && this.tokens.get(userId) === token) this.tokens.delete(userId);
      return graced;
    } finally {
      const left = this.removing.get(userId)! - 1;
      if (left > 0) this.removing.set(userId, left);
      else this.removing.delete(userId);
    }
  }

  async settle(userId: string, token: string): Promise<boolean> {
    const settled = await this.written(() => this.client.presenceSettle(this.userKeys(userId), token));
    // Kept when the settling failed: the resync starts its grace period again.
    if (this.tokens.get(userId) === token) this.tokens.delete(userId);
    return settled;
  }

  async onlineOf(userIds: string[]): Promise<Set<string>> {
    const online = await Promise.all(userIds.map((id) => this.client.presenceOnline(this.userKeys(id))));
    return new Set(userIds.filter((_, i) => online[i]));
  }

  /**
   * One heartbeat: returns the grace periods this instance now holds (of a stopped instance's
   * users, or departures it could not write before), and the users shown anew.
   */
  async heartbeat(token: string): Promise<{ graces: Grace[]; shown: string[] }> {
    await this.trim();
    const { instanceId, heartbeatTtlMs } = this.options;
    const beat = await this.client.presenceHeartbeat(this.heartbeatsKey(), instanceId, heartbeatTtlMs, REAP_LEASE_MS);
    const graces: Grace[] = [];
    let shown: string[] = [];
    if (beat.registeredAnew || this.due) {
      this.due = false;
      try {
        const resynced = await this.resync();
        shown = resynced.shown;
        graces.push(...resynced.graces);
      } catch (err) {
        this.due = true;
        throw err;
      }
    }
    for (const dead of beat.claimed) {
      for (const userId of await this.reap(dead, token)) {
        this.tokens.set(userId, token);
        graces.push({ userId, token });
      }
    }
    return { graces, shown };
  }

  /** This instance stops: its heartbeat ends now, so the next survivor to beat reaps its sockets. */
  async leave(): Promise<void> {
    await this.client.zAdd(this.heartbeatsKey(), { score: 0, value: this.options.instanceId }, { condition: 'XX' });
  }

  /** A write of a user's keys; when it fails, Redis may have it or not: the next heartbeat writes everything again. */
  private written<T>(write: () => Promise<T>): Promise<T> {
    return resyncOnFailure(write, () => (this.due = true));
  }

  /**
   * Writes again this instance's part of every user it has: socket counts, and the grace periods it
   * holds or could not start. Returns the users shown anew, and the grace periods to start now.
   */
  private async resync(): Promise<{ shown: string[]; graces: Grace[] }> {
    await this.list([...new Set([...this.local.keys(), ...this.held.keys(), ...this.tokens.keys()])]);
    const { instanceId, tokenTtlMs } = this.options;
    // Taken and sent in one go, so that a write made after this one is also sent after it.
    const joined = [...this.local];
    const departed = [...this.tokens].filter(([id]) => !this.local.has(id));
    const [shown, left] = await Promise.all([
      Promise.all(joined.map(([id, count]) => this.client.presenceJoin(this.userKeys(id), instanceId, count))),
      Promise.all(departed.map(([id, token]) => this.client.presenceLeave(this.userKeys(id), instanceId, token, tokenTtlMs, 'again', 0))),
    ]);
    const graces: Grace[] = [];
    departed.forEach(([userId, token], i) => {
      if (this.held.has(userId)) return; // its timer runs: it settles
      // Not held: its departure (or its settling) failed when it happened.
      if (left[i]) graces.push({ userId, token });
      else if (this.tokens.get(userId) === token) this.tokens.delete(userId);
    });
    return { shown: joined.filter((_, i) => shown[i]).map(([id]) => id), graces };
  }

  /** Removes the sockets of a stopped instance; returns its users left with none, whose grace timer this instance now holds. */
  private async reap(dead: string, token: string): Promise<string[]> {
    const users = await this.client.sMembers(this.usersKey(dead));
    // Listed here first: should this instance stop midway, whoever reaps it finds them.
    await this.list(users);
    const took = await Promise.all(
      users.map((id) => this.client.presenceLeave(this.userKeys(id), dead, token, this.options.tokenTtlMs, 'reap', 0)),
    );
    await this.client.del(this.usersKey(dead));
    await this.client.zRem(this.heartbeatsKey(), `reap:${dead}`);
    return users.filter((_, i) => took[i]);
  }

  private async list(userIds: string[]): Promise<void> {
    if (!userIds.length) return;
    await this.client.sAdd(this.usersKey(this.options.instanceId), userIds);
    for (const id of userIds) this.listed.add(id);
  }

  /** Takes out of this instance's set the users it no longer has a socket or a grace timer of. */
  private async trim(): Promise<void> {
    const unneeded = [...this.listed].filter(
      (id) => !this.local.has(id) && !this.held.has(id) && !this.removing.has(id) && !this.tokens.has(id),
    );
    if (!unneeded.length) return;
    // Forgotten first: a user listed again meanwhile is listed again here too.
    for (const id of unneeded) this.listed.delete(id);
    await this.client.sRem(this.usersKey(this.options.instanceId), unneeded);
  }

  private userKeys(userId: string): UserKeys {
    const user = `${this.options.prefix}{user:${userId}}`;
    return { sockets: `${user}:sockets`, left: `${user}:left`, shown: `${user}:shown` };
  }

  private usersKey(instance: string): string {
    return `${this.options.prefix}instance:${instance}:users`;
  }

  private heartbeatsKey(): string {
    return `${this.options.prefix}heartbeats`;
  }
}
