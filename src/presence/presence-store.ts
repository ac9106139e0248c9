import { createHash, randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';

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

  async add(userId: string): Promise<boolean> {
    this.left.delete(userId);
    if (this.shown.has(userId)) return false;
    this.shown.add(userId);
    return true;
  }

  async remove(userId: string, token: string): Promise<boolean> {
    if ((this.local.get(userId) ?? 0) > 0 || !this.shown.has(userId)) return false;
    this.left.set(userId, token);
    return true;
  }

  async settle(userId: string, token: string): Promise<boolean> {
    if (this.left.get(userId) !== token || (this.local.get(userId) ?? 0) > 0) return false;
    this.left.delete(userId);
    return this.shown.delete(userId);
  }

  async onlineOf(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => (this.local.get(id) ?? 0) > 0 || this.left.has(id)));
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

// Keys (all under the prefix):
//   i:<instance>    a heartbeat with a TTL: the instance is alive while it exists
//   instances       set of the instances that registered (dead ones are reaped by the living)
//   iu:<instance>   set of users with sockets on the instance, or whose grace timer it holds
//   u:<user>        hash instance → number of the user's sockets there
//   shown:<user>    set while other users were told the user is online
//   left:<user>     the current "left" token while the user is in its grace period (with a TTL)
const LIVE = `
local function live(p, ukey)
  local h = redis.call('HGETALL', ukey)
  local n = 0
  for i = 1, #h, 2 do
    local c = tonumber(h[i + 1])
    if c > 0 and redis.call('EXISTS', p .. 'i:' .. h[i]) == 1 then n = n + c end
  end
  return n
end
`;

// ARGV: prefix, instance, user
const ADD = `${LIVE}
local p, me, user = ARGV[1], ARGV[2], ARGV[3]
redis.call('HINCRBY', p .. 'u:' .. user, me, 1)
redis.call('SADD', p .. 'iu:' .. me, user)
redis.call('DEL', p .. 'left:' .. user)
if redis.call('SET', p .. 'shown:' .. user, '1', 'NX') then return 1 end
return 0
`;

// ARGV: prefix, instance, user, token, token ttl (ms)
const REMOVE = `${LIVE}
local p, me, user = ARGV[1], ARGV[2], ARGV[3]
local ukey = p .. 'u:' .. user
local n = redis.call('HINCRBY', ukey, me, -1)
if n <= 0 then redis.call('HDEL', ukey, me) end
if live(p, ukey) > 0 or redis.call('EXISTS', p .. 'shown:' .. user) == 0 then
  if n <= 0 then redis.call('SREM', p .. 'iu:' .. me, user) end
  return 0
end
-- Stays in iu:<me> while this instance holds the grace timer: if it dies, a survivor takes over.
redis.call('SET', p .. 'left:' .. user, ARGV[4], 'PX', ARGV[5])
return 1
`;

// ARGV: prefix, instance, user, token
const SETTLE = `${LIVE}
local p, me, user = ARGV[1], ARGV[2], ARGV[3]
local ukey = p .. 'u:' .. user
if not redis.call('HGET', ukey, me) then redis.call('SREM', p .. 'iu:' .. me, user) end
if redis.call('GET', p .. 'left:' .. user) ~= ARGV[4] or live(p, ukey) > 0 then return 0 end
redis.call('DEL', p .. 'left:' .. user)
return redis.call('DEL', p .. 'shown:' .. user)
`;

// ARGV: prefix, users…
const ONLINE = `${LIVE}
local p = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local user = ARGV[i]
  if live(p, p .. 'u:' .. user) > 0 or redis.call('EXISTS', p .. 'left:' .. user) == 1 then out[#out + 1] = user end
end
return out
`;

// Refreshes this instance's heartbeat and reaps dead instances: their sockets are gone, and the
// users left with none get a grace period whose timer this instance now holds.
// ARGV: prefix, instance, heartbeat ttl (ms), token, token ttl (ms)
// Returns { 1 if this instance was not registered (first beat, or Redis lost it), orphaned users }.
const HEARTBEAT = `${LIVE}
local p, me = ARGV[1], ARGV[2]
redis.call('SET', p .. 'i:' .. me, '1', 'PX', ARGV[3])
local fresh = redis.call('SADD', p .. 'instances', me)
local orphans = {}
for _, id in ipairs(redis.call('SMEMBERS', p .. 'instances')) do
  if id ~= me and redis.call('EXISTS', p .. 'i:' .. id) == 0 then
    redis.call('SREM', p .. 'instances', id)
    for _, user in ipairs(redis.call('SMEMBERS', p .. 'iu:' .. id)) do
      local ukey = p .. 'u:' .. user
      redis.call('HDEL', ukey, id)
      if live(p, ukey) == 0 and redis.call('EXISTS', p .. 'shown:' .. user) == 1 then
        redis.call('SET', p .. 'left:' .. user, ARGV[4], 'PX', ARGV[5])
        redis.call('SADD', p .. 'iu:' .. me, user)
        orphans[#orphans + 1] = user
      end
    end
    redis.call('DEL', p .. 'iu:' .. id)
  end
end
return { fresh, orphans }
`;

// Puts this instance's sockets back after Redis lost them (restart) or reaped this instance (a long
// pause). ARGV: prefix, instance, user1, count1, user2, count2 … Returns the users shown anew.
const RESYNC = `
local p, me = ARGV[1], ARGV[2]
local shown = {}
for i = 3, #ARGV, 2 do
  local user = ARGV[i]
  redis.call('HSET', p .. 'u:' .. user, me, ARGV[i + 1])
  redis.call('SADD', p .. 'iu:' .. me, user)
  redis.call('DEL', p .. 'left:' .. user)
  if redis.call('SET', p .. 'shown:' .. user, '1', 'NX') then shown[#shown + 1] = user end
end
return shown
`;

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClientType, args: string[]): Promise<unknown> {
    try {
      return await client.evalSha(this.sha, { arguments: args });
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return client.eval(this.source, { arguments: args });
    }
  }
}

const SCRIPTS = {
  add: new Script(ADD),
  remove: new Script(REMOVE),
  settle: new Script(SETTLE),
  online: new Script(ONLINE),
  heartbeat: new Script(HEARTBEAT),
  resync: new Script(RESYNC),
};

export interface RedisPresenceOptions {
  prefix: string;
  instanceId: string;
  heartbeatTtlMs: number;
  /** How long a "left" token lives in Redis: longer than the grace period. */
  tokenTtlMs: number;
}

/**
 * Shared by every instance through Redis. Each instance refreshes `i:<id>` with a TTL; the sockets
 * of an instance that stops doing so (crashed, or shut down) stop counting at once and are reaped
 * by a survivor, so no user stays online forever. All decisions are Lua scripts: atomic.
 */
export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly client: RedisClientType,
    private readonly options: RedisPresenceOptions,
    private readonly local: ReadonlyMap<string, number>,
  ) {}

  private base(userId: string): string[] {
    return [this.options.prefix, this.options.instanceId, userId];
  }

  async add(userId: string): Promise<boolean> {
    return (await SCRIPTS.add.run(this.client, this.base(userId))) === 1;
  }

  async remove(userId: string, token: string): Promise<boolean> {
    return (await SCRIPTS.remove.run(this.client, [...this.base(userId), token, String(this.options.tokenTtlMs)])) === 1;
  }

  async settle(userId: string, token: string): Promise<boolean> {
    return (await SCRIPTS.settle.run(this.client, [...this.base(userId), token])) === 1;
  }

  async onlineOf(userIds: string[]): Promise<Set<string>> {
    if (!userIds.length) return new Set();
    const online = (await SCRIPTS.online.run(this.client, [this.options.prefix, ...userIds])) as string[];
    return new Set(online);
  }

  /** One heartbeat: returns the users whose grace timer this instance now holds, and the users shown anew. */
  async heartbeat(token: string): Promise<{ orphans: string[]; shown: string[] }> {
    const { prefix, instanceId, heartbeatTtlMs, tokenTtlMs } = this.options;
    const [fresh, orphans] = (await SCRIPTS.heartbeat.run(this.client, [
      prefix,
      instanceId,
      String(heartbeatTtlMs),
      token,
      String(tokenTtlMs),
    ])) as [number, string[]];
    let shown: string[] = [];
    if (fresh === 1 && this.local.size) {
      const pairs = [...this.local].flatMap(([userId, count]) => [userId, String(count)]);
      shown = (await SCRIPTS.resync.run(this.client, [prefix, instanceId, ...pairs])) as string[];
    }
    return { orphans, shown };
  }

  /** This instance stops: its heartbeat goes, so a survivor reaps its sockets right away. */
  async leave(): Promise<void> {
    await this.client.del(`${this.options.prefix}i:${this.options.instanceId}`);
  }
}
