import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CommandParser } from '@redis/client';
import { defineScript } from '../common/redis-script';
import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import { RedisConnections } from '../common/redis-connections';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** How often each replica's health and replay position are checked (an unreachable one is retried as often). */
const CHECK_INTERVAL_MS = 1000;
/**
 * How long a user's last write is remembered. Past it, any healthy replica serves them: a replica
 * more than this far behind is broken, not lagging.
 */
const MARK_TTL_SECONDS = 3600;
const REPLICA_POOL_SIZE = 10;

/** A pg_lsn ('16/B374D848') as one number, to compare. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/**
 * A user's last write: `p:<token>` right after the commit (no LSN asked for: the send path stays one
 * statement), `l:<lsn>` once the first read after it has asked the primary for its WAL position
 * (which is at or past that commit, since the commit came first).
 */
interface WriteMarks {
  get(userId: string): Promise<string | null>;
  set(userId: string, value: string): Promise<void>;
  /** Replaces `expected` by `value`, only if a newer write has not replaced it meanwhile. */
  swap(userId: string, expected: string, value: string): Promise<void>;
}

class LocalWriteMarks implements WriteMarks {
  private readonly marks = new Map<string, { value: string; expires: number }>();

  get(userId: string) {
    const mark = this.marks.get(userId);
    if (mark && mark.expires > Date.now()) return Promise.resolve(mark.value);
    this.marks.delete(userId);
    return Promise.resolve(null);
  }

  set(userId: string, value: string) {
    this.marks.delete(userId); // re-inserted last: the Map stays in expiry order
    this.marks.set(userId, { value, expires: Date.now() + MARK_TTL_SECONDS * 1000 });
    return Promise.resolve();
  }

  swap(userId: string, expected: string, value: string) {
    const mark = this.marks.get(userId);
    if (mark?.value === expected) mark.value = value;
    return Promise.resolve();
  }

  /** Forgets expired marks (oldest first). */
  sweep() {
    const now = Date.now();
    for (const [userId, mark] of this.marks) {
      if (mark.expires > now) break;
      this.marks.delete(userId);
    }
  }
}

const markKey = (userId: string) => `read-mark:${userId}`;

export const READ_MARK_SCRIPTS = {
  /** SET KEYS[1] ARGV[2] (keeping its TTL) only while it still holds ARGV[1]. */
  readMarkSwap: defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: `#!lua
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end
return 0
`,
    parseCommand(parser: CommandParser, key: string, expected: string, value: string) {
      parser.pushKey(key);
      parser.push(expected, value);
    },
    transformReply: () => undefined,
  }),
};

const connectMarks = (redis: RedisConnections) => redis.connect('read-marks', READ_MARK_SCRIPTS);

/** Shared by every instance: a user's next read may land on another instance than their write. */
class RedisWriteMarks implements WriteMarks {
  private readonly client: ReturnType<typeof connectMarks>;

  constructor(redis: RedisConnections) {
    this.client = connectMarks(redis);
    this.client.catch(() => undefined); // reported by the first use
  }

  async get(userId: string) {
    return (await this.client).get(markKey(userId));
  }

  async set(userId: string, value: string) {
    await (await this.client).set(markKey(userId), value, { expiration: { type: 'EX', value: MARK_TTL_SECONDS } });
  }

  async swap(userId: string, expected: string, value: string) {
    await (await this.client).readMarkSwap(markKey(userId), expected, value);
  }

  async close() {
    const client = await this.client.catch(() => null);
    await client?.quit().catch(() => client.destroy());
  }
}

interface Replica {
  /** host:port/database, for the logs (no password). */
  name: string;
  url: string;
  source: DataSource | null;
  healthy: boolean;
  /** The WAL position it had replayed when last asked; it only grows. */
  replayed: bigint;
  /** The check running now, which a second caller joins. */
  checking: Promise<void> | null;
}

/**
 * Read routing over DATABASE_REPLICA_URLS: history, search and the chat list run on a streaming
 * replica that has replayed the caller's own last write (read-your-writes by WAL position), else on
 * the primary. A replica that fails is skipped until a health check finds it back.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private readonly marks: WriteMarks;
  private readonly instance = randomBytes(4).toString('hex');
  private writes = 0;
  private next = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly primary: DataSource,
    redis: RedisConnections,
  ) {
    this.replicas = config.databaseReplicaUrls.map((url) => {
      const u = new URL(url);
      return { name: `${u.host}${u.pathname}`, url, source: null, healthy: false, replayed: 0n, checking: null };
    });
    this.marks = this.replicas.length && redis.configured ? new RedisWriteMarks(redis) : new LocalWriteMarks();
  }

  async onModuleInit() {
    if (!this.replicas.length) return;
    // A replica that is down at start is not fatal: the checks keep trying it.
    await Promise.all(this.replicas.map((r) => this.check(r)));
    for (const r of this.replicas.filter((one) => !one.healthy))
      this.logger.warn(`replica ${r.name} is not reachable yet: reads go elsewhere`);
    this.timer = setInterval(() => {
      if (this.marks instanceof LocalWriteMarks) this.marks.sweep();
      for (const replica of this.replicas) void this.check(replica);
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    if (this.marks instanceof RedisWriteMarks) await this.marks.close();
    const sources = this.replicas.flatMap((r) => (r.source ? [r.source] : []));
    await Promise.allSettled(sources.map((source) => source.destroy()));
  }

  /**
   * The user has just committed a write: their next reads must see it. Called after the commit and
   * before the answer; no database round trip (the LSN is asked for lazily, by the next read).
   */
  async wrote(userId: string): Promise<void> {
    if (!this.replicas.length) return;
    this.writes += 1;
    // Redis away: the write stands; reads go to the primary while marks cannot be read (see read).
    await this.marks
      .set(userId, `p:${this.instance}.${this.writes}`)
      .catch((err: Error) => this.logger.warn(`write mark not kept: ${err.message}`));
  }

  /**
   * Runs a read for `userId` on a replica that has their last write, else on the primary. A replica
   * failing mid-read is marked down and the read runs again on the primary (reads only: safe to repeat).
   */
  async read<T>(userId: string, run: (manager: EntityManager) => Promise<T>): Promise<T> {
    const replica = this.replicas.length ? await this.pick(userId).catch(() => null) : null;
    if (replica) {
      try {
        return await run(replica.source!.manager);
      } catch (err) {
        this.down(replica, err);
      }
    }
    return run(this.primary.manager);
  }

  private async pick(userId: string): Promise<Replica | null> {
    const healthy = this.replicas.filter((r) => r.healthy);
    if (!healthy.length) return null;
    const needed = await this.needed(userId);
    let ready = healthy.filter((r) => r.replayed >= needed);
    // Behind as last seen: ask again now (replay moves on between checks).
    if (!ready.length) {
      await Promise.all(healthy.map((r) => this.check(r)));
      ready = healthy.filter((r) => r.healthy && r.replayed >= needed);
    }
    if (!ready.length) return null;
    this.next = (this.next + 1) % ready.length;
    return ready[this.next];
  }

  /** The WAL position a replica must have replayed for this user (0: they wrote nothing lately). */
  private async needed(userId: string): Promise<bigint> {
    const mark = await this.marks.get(userId);
    if (mark === null) return 0n;
    if (mark.startsWith('l:')) return parseLsn(mark.slice(2));
    // The insert position, not the write position: under synchronous_commit = off (the push
    // bookkeeping, or a server configured so) a commit may still sit in WAL buffers, past
    // pg_current_wal_lsn(), and a replica at that position would not have it yet.
    const [{ lsn }] = await this.primary.query<Array<{ lsn: string }>>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    await this.marks.swap(userId, mark, `l:${lsn}`);
    return parseLsn(lsn);
  }

  /** Connects if needed, then reads the replay position; any failure marks the replica down. */
  private check(replica: Replica): Promise<void> {
    replica.checking ??= this.probe(replica).finally(() => (replica.checking = null));
    return replica.checking;
  }

  private async probe(replica: Replica): Promise<void> {
    try {
      replica.source ??= await this.connect(replica);
      // A URL that names a primary (no recovery) is always up to date.
      const [{ lsn }] = await replica.source.query<Array<{ lsn: string }>>(
        'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn',
      );
      const replayed = parseLsn(lsn);
      if (replayed > replica.replayed) replica.replayed = replayed;
      if (!replica.healthy) this.logger.log(`replica ${replica.name} is up: reads may go to it`);
      replica.healthy = true;
    } catch (err) {
      this.down(replica, err);
    }
  }

  private async connect(replica: Replica): Promise<DataSource> {
    // The primary's options (entities, timeouts) on the replica's URL; no migrations: it is read-only.
    const options = this.primary.options as Extract<DataSourceOptions, { type: 'postgres' }>;
    // Reads wait at most 1 s for a connection to a replica that went away, then go to the primary.
    const extra = { ...(options.extra as Record<string, unknown>), max: REPLICA_POOL_SIZE, connectionTimeoutMillis: 1000 };
    const source = new DataSource({ ...options, url: replica.url, migrations: [], extra });
    try {
      return await source.initialize();
    } catch (err) {
      await source.destroy().catch(() => undefined);
      throw err;
    }
  }

  private down(replica: Replica, err: unknown) {
    if (replica.healthy) this.logger.warn(`replica ${replica.name} is down, reads go elsewhere: ${(err as Error).message}`);
    replica.healthy = false;
  }
}
