import { createECDH, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { LevelWithSilent } from 'pino';

/** pino's levels, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
/** `json`: one JSON object a line (for collectors); `pretty`: pino-pretty's coloured lines (for people). */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Express's `trust proxy`: `false` (the peer address is the client), a hop count, or the proxies'
 * addresses and CIDRs (and Express's names `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = false | number | string[];

/** Every setting of the contract's configuration table, parsed and checked once at start. */
export interface AppConfig {
  /** The address to listen on: an IP address or a host name. */
  host: string;
  port: number;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** REDIS_CLUSTER_URLS: seed nodes of a Redis Cluster (instead of REDIS_URL); empty without one. */
  redisClusterUrls: string[];
  /** Streaming replicas of DATABASE_URL that history, search and the chat list may read from. */
  databaseReplicaUrls: string[];
  dataDir: string;
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  messageMaxLength: number;
  chatMaxMembers: number;
  messageMaxAttachments: number;
  /** Distinct emoji one message can carry (v1.1). */
  messageMaxReactions: number;
  historyPageSize: number;
  historyPageMax: number;
  pinnedChatsMax: number;
  attachmentMaxBytes: number;
  attachmentCleanupIntervalMs: number;
  /** SEARCH_INDEX_INTERVAL_MS: how often the search indexer takes a batch of queued messages. */
  searchIndexIntervalMs: number;
  attachmentUnusedTtlMs: number;
  presenceGraceMs: number;
  authRateLimitPerMinute: number;
  /** Messages (and commands) a user may send per second on one instance, on average; 0: no limit. */
  sendRatePerSecond: number;
  /** Messages a user may send in a row before the average rate applies. */
  sendRateBurst: number;
  /** Uploads a user may start per minute on one instance; 0: no limit. */
  uploadRatePerMinute: number;
  /** Text-send statements one instance runs at once; sends arriving meanwhile are stored together. */
  sendStatementsInFlight: number;
  /**
   * SEND_LINGER_MS: under load, text-send statements start at most once per this many ms, each with
   * every send queued meanwhile (fewer, larger commits); 0: each free slot starts one at once.
   */
  sendLingerMs: number;
  /** SOCKET_OUTBOUND_MAX_BYTES / _EVENTS: what may wait for one socket whose client does not read; past it the socket is closed. */
  socketOutboundMaxBytes: number;
  socketOutboundMaxEvents: number;
  /** SEND_QUEUE_MAX: text sends waiting for a statement slot; one more is refused at once with 503 OVERLOADED. */
  sendQueueMax: number;
  /**
   * SEND_WAIT_MAX_MS: a text send that has waited this long for its turn (behind its socket's
   * earlier events, or for a statement slot) is refused with 503 OVERLOADED instead of run.
   */
  sendWaitMaxMs: number;
  /**
   * SHUTDOWN_DRAIN_MS: after SIGTERM, how long the instance keeps serving with `/health` at 503
   * (so the load balancer takes it out) before it closes its sockets and exits.
   */
  shutdownDrainMs: number;
  corsOrigins: string[] | true;
  /** Which peers may say who the client is (X-Forwarded-For): rate limits and logs use that address. */
  trustProxy: TrustProxy;
  logLevel: LogLevel;
  logFormat: LogFormat;
  production: boolean;
  /** VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY (base64url, a matching P-256 pair); null: the pair kept in the database. */
  vapidKeys: VapidKeys | null;
  /** VAPID_SUBJECT: a `mailto:` or `https:` contact that push services may use. */
  vapidSubject: string;
  /** PUSH_TTL_SECONDS: how long a push service keeps a push, and how long it is retried. */
  pushTtlSeconds: number;
  /** PUSH_ENDPOINT_ALLOW: host names (lower case), addresses and CIDRs that subscription endpoints may use despite the SSRF rule. */
  pushEndpointAllow: string[];
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** '15m' → 900; a bare number is seconds. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new ConfigError(`${name} must be a duration such as 900, 15m, 12h or 30d (got "${raw}")`);
  }
  return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  }
  return Number(raw);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError(`${name} must be a ${protocols.join(' or ')}// URL`);
  }
  return raw;
}

/** REDIS_CLUSTER_URLS: comma-separated redis:// or rediss:// URLs of cluster nodes; not together with REDIS_URL. */
function redisClusterUrls(env: NodeJS.ProcessEnv): string[] {
  const raw = env.REDIS_CLUSTER_URLS?.trim();
  if (!raw) return [];
  if (env.REDIS_URL?.trim()) throw new ConfigError('Set REDIS_URL (one Redis) or REDIS_CLUSTER_URLS (a Redis Cluster), not both');
  return raw.split(',').map((one, i) => url({ REDIS_CLUSTER_URLS: one.trim() }, 'REDIS_CLUSTER_URLS', ['redis:', 'rediss:']) ?? empty(i));
}

function empty(i: number): never {
  throw new ConfigError(`REDIS_CLUSTER_URLS: entry ${i + 1} is empty (a comma-separated list of redis:// URLs)`);
}

/** DATABASE_REPLICA_URLS: comma-separated PostgreSQL URLs, only beside a DATABASE_URL (the embedded database has no replicas). */
function replicaUrls(env: NodeJS.ProcessEnv, primary: string | null): string[] {
  const raw = env.DATABASE_REPLICA_URLS?.trim();
  if (!raw) return [];
  if (primary === null) throw new ConfigError('DATABASE_REPLICA_URLS needs a DATABASE_URL (the embedded database has no replicas)');
  return raw.split(',').map((part) => {
    const one = url({ DATABASE_REPLICA_URLS: part.trim() || '-' }, 'DATABASE_REPLICA_URLS', ['postgres:', 'postgresql:']);
    return one!;
  });
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function host(env: NodeJS.ProcessEnv): string {
  const raw = env.HOST?.trim();
  if (!raw) return '0.0.0.0';
  // All digits and dots is an IPv4 address or nothing (999.1.1.1 is not a name).
  if (isIP(raw) || (HOST_NAME.test(raw) && !/^[\d.]+$/.test(raw))) return raw;
  throw new ConfigError(`HOST must be an IP address or a host name (got "${raw}")`);
}

function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  return level;
}

/** Express's names for address ranges, accepted in TRUST_PROXY lists. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, or an address with a prefix length that fits its family (10.0.0.0/8, fd00::/8). */
function isAddressOrCidr(item: string): boolean {
  const [address, prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: unset → false; a number → that many hops; else a comma-separated list of proxy
 * addresses/CIDRs. `true` (trust any peer) is refused: any client could then choose its address
 * by sending X-Forwarded-For; a hop count says the same thing safely.
 */
function trustProxy(env: NodeJS.ProcessEnv): TrustProxy {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw) return false;
  if (/^\d+$/.test(raw)) {
    if (!Number.isSafeInteger(Number(raw))) throw new ConfigError(`TRUST_PROXY hop count is too large (got "${raw}")`);
    return Number(raw) === 0 ? false : Number(raw);
  }
  const items = raw.split(',').map((item) => item.trim());
  const bad = items.find((item) => !TRUST_PROXY_NAMES.has(item) && !isAddressOrCidr(item));
  if (bad !== undefined) {
    throw new ConfigError(
      `TRUST_PROXY must be a hop count or a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal (got "${bad}" in "${raw}")`,
    );
  }
  return items;
}

/** LOG_FORMAT: unset → `pretty` when stdout is a terminal (a person reads it), else `json`. */
function logFormat(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase();
  if (!raw) return stdoutIsTTY ? 'pretty' : 'json';
  const format = LOG_FORMATS.find((f) => f === raw);
  if (!format) throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')} (got "${env.LOG_FORMAT}")`);
  return format;
}

/** An uncompressed P-256 point (65 bytes) and a 32-byte scalar, base64url, that belong together. */
function vapidKeys(env: NodeJS.ProcessEnv): VapidKeys | null {
  const publicKey = env.VAPID_PUBLIC_KEY?.trim() ?? '';
  const privateKey = env.VAPID_PRIVATE_KEY?.trim() ?? '';
  if (!publicKey && !privateKey) return null;
  if (!publicKey) throw new ConfigError('VAPID_PUBLIC_KEY is required when VAPID_PRIVATE_KEY is set');
  if (!privateKey) throw new ConfigError('VAPID_PRIVATE_KEY is required when VAPID_PUBLIC_KEY is set');
  const base64url = /^[A-Za-z0-9_-]+$/;
  const pub = Buffer.from(publicKey, 'base64url');
  if (!base64url.test(publicKey) || pub.length !== 65 || pub[0] !== 4) {
    throw new ConfigError('VAPID_PUBLIC_KEY must be an uncompressed P-256 public key (65 bytes, base64url)');
  }
  const priv = Buffer.from(privateKey, 'base64url');
  if (!base64url.test(privateKey) || priv.length !== 32) {
    throw new ConfigError('VAPID_PRIVATE_KEY must be a P-256 private key (32 bytes, base64url)');
  }
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(priv);
  } catch {
    throw new ConfigError('VAPID_PRIVATE_KEY is not a valid P-256 private key');
  }
  if (!ecdh.getPublicKey().equals(pub)) throw new ConfigError('VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY');
  return { publicKey, privateKey };
}

function vapidSubject(env: NodeJS.ProcessEnv): string {
  const raw = env.VAPID_SUBJECT?.trim();
  if (!raw) return 'mailto:admin@localhost';
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // refused below
  }
  if (protocol !== 'mailto:' && protocol !== 'https:') {
    throw new ConfigError(`VAPID_SUBJECT must be a mailto: or https: URL (got "${raw}")`);
  }
  return raw;
}

/**
 * PUSH_ENDPOINT_ALLOW: comma-separated host names, IP addresses (IPv6 with or without brackets) and
 * CIDRs. Names are kept in lower case, addresses without brackets.
 */
function pushEndpointAllow(env: NodeJS.ProcessEnv): string[] {
  const raw = env.PUSH_ENDPOINT_ALLOW?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const item = entry
      .trim()
      .replace(/^\[(.*)\](\/\d+)?$/, '$1$2')
      .toLowerCase();
    if (isAddressOrCidr(item) || (HOST_NAME.test(item) && !/^[\d.]+$/.test(item))) return item;
    throw new ConfigError(
      `PUSH_ENDPOINT_ALLOW must be a comma-separated list of host names, addresses and CIDRs (got "${entry.trim()}" in "${raw}")`,
    );
  });
}

/** `stdoutIsTTY` picks the default LOG_FORMAT; a parameter so that tests need no terminal. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, stdoutIsTTY = process.stdout.isTTY === true): AppConfig {
  const production = env.NODE_ENV === 'production';
  let jwtSecret = env.JWT_SECRET ?? '';
  const jwtSecretGenerated = jwtSecret === '';
  if (jwtSecretGenerated) {
    if (production) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
    jwtSecret = randomBytes(32).toString('hex');
  } else if (jwtSecret.length < 16) {
    throw new ConfigError('JWT_SECRET must be at least 16 characters');
  }
  const historyPageSize = positiveInt(env, 'HISTORY_PAGE_SIZE', 15);
  const historyPageMax = positiveInt(env, 'HISTORY_PAGE_MAX', 100);
  if (historyPageSize > historyPageMax) {
    throw new ConfigError('HISTORY_PAGE_SIZE must not exceed HISTORY_PAGE_MAX');
  }
  const cors = env.CORS_ORIGINS?.trim();
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  return {
    host: host(env),
    port: positiveInt(env, 'PORT', 3000, 0),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisClusterUrls: redisClusterUrls(env),
    databaseReplicaUrls: replicaUrls(env, databaseUrl),
    dataDir: env.DATA_DIR?.trim() || './data',
    jwtSecret,
    jwtSecretGenerated,
    accessTokenTtlSeconds: parseDuration('ACCESS_TOKEN_TTL', env.ACCESS_TOKEN_TTL ?? '15m'),
    refreshTokenTtlSeconds: parseDuration('REFRESH_TOKEN_TTL', env.REFRESH_TOKEN_TTL ?? '30d'),
    messageMaxLength: positiveInt(env, 'MESSAGE_MAX_LENGTH', 4096),
    chatMaxMembers: positiveInt(env, 'CHAT_MAX_MEMBERS', 50, 2),
    messageMaxAttachments: positiveInt(env, 'MESSAGE_MAX_ATTACHMENTS', 10),
    messageMaxReactions: positiveInt(env, 'MESSAGE_MAX_REACTIONS', 20),
    historyPageSize,
    historyPageMax,
    pinnedChatsMax: positiveInt(env, 'PINNED_CHATS_MAX', 5),
    attachmentMaxBytes: positiveInt(env, 'ATTACHMENT_MAX_BYTES', 26214400),
    attachmentCleanupIntervalMs: positiveInt(env, 'ATTACHMENT_CLEANUP_INTERVAL_MS', 3_600_000, 100),
    searchIndexIntervalMs: positiveInt(env, 'SEARCH_INDEX_INTERVAL_MS', 500, 10),
    attachmentUnusedTtlMs: positiveInt(env, 'ATTACHMENT_UNUSED_TTL_MS', 86_400_000),
    presenceGraceMs: positiveInt(env, 'PRESENCE_GRACE_MS', 5000, 0),
    authRateLimitPerMinute: positiveInt(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 30),
    sendRatePerSecond: positiveInt(env, 'SEND_RATE_PER_SECOND', 20, 0),
    sendRateBurst: positiveInt(env, 'SEND_RATE_BURST', 40),
    sendStatementsInFlight: positiveInt(env, 'SEND_STATEMENTS_IN_FLIGHT', 4),
    sendLingerMs: positiveInt(env, 'SEND_LINGER_MS', 6, 0),
    sendQueueMax: positiveInt(env, 'SEND_QUEUE_MAX', 2000),
    sendWaitMaxMs: positiveInt(env, 'SEND_WAIT_MAX_MS', 500),
    shutdownDrainMs: positiveInt(env, 'SHUTDOWN_DRAIN_MS', 0, 0),
    uploadRatePerMinute: positiveInt(env, 'UPLOAD_RATE_PER_MINUTE', 30, 0),
    socketOutboundMaxBytes: positiveInt(env, 'SOCKET_OUTBOUND_MAX_BYTES', 1024 * 1024, 64 * 1024),
    socketOutboundMaxEvents: positiveInt(env, 'SOCKET_OUTBOUND_MAX_EVENTS', 1000, 16),
    corsOrigins: !cors || cors === '*' ? true : cors.split(',').map((o) => o.trim()),
    trustProxy: trustProxy(env),
    logLevel: logLevel(env),
    logFormat: logFormat(env, stdoutIsTTY),
    production,
    vapidKeys: vapidKeys(env),
    vapidSubject: vapidSubject(env),
    pushTtlSeconds: positiveInt(env, 'PUSH_TTL_SECONDS', 86_400, 0),
    pushEndpointAllow: pushEndpointAllow(env),
  };
}
