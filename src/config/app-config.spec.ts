import { AppConfig, ConfigError, loadConfig, parseDuration } from './app-config';

const SECRET = 'a-secret-of-at-least-16-chars';
/** A VAPID key pair made once with web-push's generateVAPIDKeys(), and the public key of another pair. */
const VAPID_PUBLIC = 'BEY761nUgcmif0ytjkLFITZMdsmVUeTyglpprA-JIv-w-KWht0aDOAMeXmbfir6Z5bTnOYZM366IGwLUnyJ83JE';
const VAPID_PRIVATE = 'uHBR1uQSApYq5OAcdBmgl4KHoieootvgprycBIRfLPg';
const OTHER_VAPID_PUBLIC = 'BH-QYOLoASEv4qUW5ugFoFnziO48-kILIRrTddTgeP4TQP01KctPO26c26dutSJEXaB30ZsCpZpC6vismwdWCnw';

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['45s', 45],
    ['15m', 900],
    ['12h', 43_200],
    ['30d', 2_592_000],
    [' 5m ', 300],
  ])('%j → %d seconds', (raw, seconds) => {
    expect(parseDuration('X_TTL', raw)).toBe(seconds);
  });

  it.each(['', 'forever', '0', '0m', '-5m', '1.5h', '10w', 'm', '15 m'])('refuses %j and names the variable', (raw) => {
    expect(() => parseDuration('ACCESS_TOKEN_TTL', raw)).toThrow(ConfigError);
    expect(() => parseDuration('ACCESS_TOKEN_TTL', raw)).toThrow(/ACCESS_TOKEN_TTL/);
  });
});

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment (JSON logs when stdout is no terminal)', () => {
    const config = loadConfig({}, false);
    expect(config).toEqual<AppConfig>({
      host: '0.0.0.0',
      port: 3000,
      databaseUrl: null,
      redisUrl: null,
      redisClusterUrls: [],
      databaseReplicaUrls: [],
      dataDir: './data',
      jwtSecret: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      jwtSecretGenerated: true,
      accessTokenTtlSeconds: 15 * 60,
      refreshTokenTtlSeconds: 30 * 86_400,
      messageMaxLength: 4096,
      chatMaxMembers: 50,
      messageMaxAttachments: 10,
      messageMaxReactions: 20,
      historyPageSize: 15,
      historyPageMax: 100,
      pinnedChatsMax: 5,
      attachmentMaxBytes: 26_214_400,
      attachmentCleanupIntervalMs: 3_600_000,
      searchIndexIntervalMs: 500,
      attachmentUnusedTtlMs: 86_400_000,
      presenceGraceMs: 5000,
      authRateLimitPerMinute: 30,
      sendRatePerSecond: 20,
      sendRateBurst: 40,
      sendStatementsInFlight: 4,
      sendLingerMs: 6,
      socketOutboundMaxBytes: 1048576,
      socketOutboundMaxEvents: 1000,
      sendQueueMax: 2000,
      sendWaitMaxMs: 500,
      shutdownDrainMs: 0,
      uploadRatePerMinute: 30,
      corsOrigins: true,
      trustProxy: false,
      logLevel: 'info',
      logFormat: 'json',
      production: false,
      vapidKeys: null,
      vapidSubject: 'mailto:admin@localhost',
      pushTtlSeconds: 86_400,
      pushEndpointAllow: [],
    });
  });

  it('makes a different random JWT secret at each start', () => {
    expect(loadConfig({}).jwtSecret).not.toBe(loadConfig({}).jwtSecret);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/chat',
      REDIS_URL: 'redis://cache:6379',
      DATABASE_REPLICA_URLS: 'postgres://u:p@replica-1:5432/chat, postgresql://replica-2/chat',
      DATA_DIR: '/var/lib/chat',
      JWT_SECRET: SECRET,
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '7d',
      MESSAGE_MAX_LENGTH: '100',
      CHAT_MAX_MEMBERS: '3',
      MESSAGE_MAX_ATTACHMENTS: '2',
      MESSAGE_MAX_REACTIONS: '4',
      HISTORY_PAGE_SIZE: '10',
      HISTORY_PAGE_MAX: '20',
      PINNED_CHATS_MAX: '1',
      ATTACHMENT_MAX_BYTES: '1024',
      ATTACHMENT_CLEANUP_INTERVAL_MS: '60000',
      SEARCH_INDEX_INTERVAL_MS: '250',
      ATTACHMENT_UNUSED_TTL_MS: '3600000',
      PRESENCE_GRACE_MS: '0',
      AUTH_RATE_LIMIT_PER_MINUTE: '5',
      SEND_RATE_PER_SECOND: '0',
      SEND_RATE_BURST: '7',
      SEND_STATEMENTS_IN_FLIGHT: '2',
      SEND_LINGER_MS: '0',
      SOCKET_OUTBOUND_MAX_BYTES: '65536',
      SOCKET_OUTBOUND_MAX_EVENTS: '16',
      SEND_QUEUE_MAX: '50',
      SEND_WAIT_MAX_MS: '250',
      SHUTDOWN_DRAIN_MS: '5000',
      UPLOAD_RATE_PER_MINUTE: '3',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.7',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      NODE_ENV: 'production',
      VAPID_PUBLIC_KEY: VAPID_PUBLIC,
      VAPID_PRIVATE_KEY: VAPID_PRIVATE,
      VAPID_SUBJECT: 'https://chat.example/contact',
      PUSH_TTL_SECONDS: '3600',
      PUSH_ENDPOINT_ALLOW: '127.0.0.1, Push.Internal, 10.9.0.0/16, [::1]',
    });
    expect(config).toEqual<AppConfig>({
      host: '127.0.0.1',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/chat',
      redisUrl: 'redis://cache:6379',
      redisClusterUrls: [],
      databaseReplicaUrls: ['postgres://u:p@replica-1:5432/chat', 'postgresql://replica-2/chat'],
      dataDir: '/var/lib/chat',
      jwtSecret: SECRET,
      jwtSecretGenerated: false,
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 7 * 86_400,
      messageMaxLength: 100,
      chatMaxMembers: 3,
      messageMaxAttachments: 2,
      messageMaxReactions: 4,
      historyPageSize: 10,
      historyPageMax: 20,
      pinnedChatsMax: 1,
      attachmentMaxBytes: 1024,
      attachmentCleanupIntervalMs: 60_000,
      searchIndexIntervalMs: 250,
      attachmentUnusedTtlMs: 3_600_000,
      presenceGraceMs: 0,
      authRateLimitPerMinute: 5,
      sendRatePerSecond: 0,
      sendRateBurst: 7,
      sendStatementsInFlight: 2,
      sendLingerMs: 0,
      socketOutboundMaxBytes: 65536,
      socketOutboundMaxEvents: 16,
      sendQueueMax: 50,
      sendWaitMaxMs: 250,
      shutdownDrainMs: 5000,
      uploadRatePerMinute: 3,
      corsOrigins: ['https://a.example', 'https://b.example'],
      trustProxy: ['10.0.0.0/8', '192.168.1.7'],
      logLevel: 'debug',
      logFormat: 'pretty',
      production: true,
      vapidKeys: { publicKey: VAPID_PUBLIC, privateKey: VAPID_PRIVATE },
      vapidSubject: 'https://chat.example/contact',
      pushTtlSeconds: 3600,
      pushEndpointAllow: ['127.0.0.1', 'push.internal', '10.9.0.0/16', '::1'],
    });
  });

  it('accepts postgresql:// and rediss:// URLs, and PORT=0 (any free port)', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://db/chat', REDIS_URL: 'rediss://cache:6380', PORT: '0' });
    expect(config.databaseUrl).toBe('postgresql://db/chat');
    expect(config.redisUrl).toBe('rediss://cache:6380');
    expect(config.port).toBe(0);
  });

  it('takes REDIS_CLUSTER_URLS as a list of cluster nodes, refuses it with REDIS_URL or with an entry that is no redis URL', () => {
    const config = loadConfig({ REDIS_CLUSTER_URLS: 'redis://a:7000, rediss://b:7001' });
    expect(config.redisClusterUrls).toEqual(['redis://a:7000', 'rediss://b:7001']);
    expect(config.redisUrl).toBeNull();
    expect(() => loadConfig({ REDIS_CLUSTER_URLS: 'redis://a:7000', REDIS_URL: 'redis://a:6379' })).toThrow(/not both/);
    expect(() => loadConfig({ REDIS_CLUSTER_URLS: 'redis://a:7000,http://b' })).toThrow(/REDIS_CLUSTER_URLS must be a redis: or rediss:/);
    expect(() => loadConfig({ REDIS_CLUSTER_URLS: 'redis://a:7000,,redis://b:7001' })).toThrow(/entry 2 is empty/);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig(
      {
        PORT: '',
        DATABASE_URL: '',
        REDIS_URL: '',
        DATA_DIR: ' ',
        CORS_ORIGINS: '*',
        HOST: ' ',
        LOG_LEVEL: '',
        TRUST_PROXY: ' ',
        LOG_FORMAT: '',
      },
      false,
    );
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: null,
      redisUrl: null,
      dataDir: './data',
      corsOrigins: true,
      host: '0.0.0.0',
      trustProxy: false,
      logLevel: 'info',
      logFormat: 'json',
    });
  });

  it('logs for a person at a terminal, JSON lines otherwise; LOG_FORMAT overrides either way', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: ' Pretty ' }, false).logFormat).toBe('pretty');
  });

  it.each<[string, false | number | string[]]>([
    ['0', false],
    ['1', 1],
    ['3', 3],
    ['127.0.0.1', ['127.0.0.1']],
    ['loopback, 10.0.0.0/8,fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
    ['::1/128,192.168.0.0/16,linklocal,uniquelocal', ['::1/128', '192.168.0.0/16', 'linklocal', 'uniquelocal']],
  ])('reads TRUST_PROXY=%j', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each(['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost', 'chat-1.internal.example', ' 10.0.0.7 '])('accepts HOST=%j', (raw) => {
    expect(loadConfig({ HOST: raw }).host).toBe(raw.trim());
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts LOG_LEVEL=%j', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('reads LOG_LEVEL regardless of case', () => {
    expect(loadConfig({ LOG_LEVEL: ' WARN ' }).logLevel).toBe('warn');
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '3.5' }],
    ['MESSAGE_MAX_LENGTH', { MESSAGE_MAX_LENGTH: '0' }],
    ['MESSAGE_MAX_LENGTH', { MESSAGE_MAX_LENGTH: '99999999999999999999' }],
    ['CHAT_MAX_MEMBERS', { CHAT_MAX_MEMBERS: '1' }],
    ['MESSAGE_MAX_ATTACHMENTS', { MESSAGE_MAX_ATTACHMENTS: 'ten' }],
    ['MESSAGE_MAX_REACTIONS', { MESSAGE_MAX_REACTIONS: '0' }],
    ['HISTORY_PAGE_MAX', { HISTORY_PAGE_MAX: '0' }],
    ['HISTORY_PAGE_SIZE', { HISTORY_PAGE_SIZE: '101' }],
    ['PINNED_CHATS_MAX', { PINNED_CHATS_MAX: '0' }],
    ['ATTACHMENT_MAX_BYTES', { ATTACHMENT_MAX_BYTES: '25MB' }],
    ['ATTACHMENT_CLEANUP_INTERVAL_MS', { ATTACHMENT_CLEANUP_INTERVAL_MS: '50' }],
    ['ATTACHMENT_UNUSED_TTL_MS', { ATTACHMENT_UNUSED_TTL_MS: '1h' }],
    ['PRESENCE_GRACE_MS', { PRESENCE_GRACE_MS: '-1' }],
    ['AUTH_RATE_LIMIT_PER_MINUTE', { AUTH_RATE_LIMIT_PER_MINUTE: '0' }],
    ['SEND_RATE_PER_SECOND', { SEND_RATE_PER_SECOND: '2.5' }],
    ['SEND_RATE_BURST', { SEND_RATE_BURST: '0' }],
    ['SEND_STATEMENTS_IN_FLIGHT', { SEND_STATEMENTS_IN_FLIGHT: '0' }],
    ['SEND_LINGER_MS', { SEND_LINGER_MS: '-1' }],
    ['SOCKET_OUTBOUND_MAX_BYTES', { SOCKET_OUTBOUND_MAX_BYTES: '65535' }],
    ['SOCKET_OUTBOUND_MAX_EVENTS', { SOCKET_OUTBOUND_MAX_EVENTS: '15' }],
    ['SEND_QUEUE_MAX', { SEND_QUEUE_MAX: '0' }],
    ['SEND_WAIT_MAX_MS', { SEND_WAIT_MAX_MS: '0' }],
    ['SHUTDOWN_DRAIN_MS', { SHUTDOWN_DRAIN_MS: '2s' }],
    ['UPLOAD_RATE_PER_MINUTE', { UPLOAD_RATE_PER_MINUTE: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'localhost:5432' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache' }],
    ['DATABASE_REPLICA_URLS', { DATABASE_URL: 'postgres://db/chat', DATABASE_REPLICA_URLS: 'mysql://replica' }],
    ['DATABASE_REPLICA_URLS', { DATABASE_URL: 'postgres://db/chat', DATABASE_REPLICA_URLS: 'postgres://a/chat,,postgres://b/chat' }],
    ['DATABASE_REPLICA_URLS', { DATABASE_REPLICA_URLS: 'postgres://replica/chat' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: 'forever' }],
    ['REFRESH_TOKEN_TTL', { REFRESH_TOKEN_TTL: '0' }],
    ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
    ['JWT_SECRET', { NODE_ENV: 'production' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_LEVEL', { LOG_LEVEL: '30' }],
    ['HOST', { HOST: 'not a host' }],
    ['HOST', { HOST: 'http://example.com' }],
    ['HOST', { HOST: '999.1.1.1' }],
    ['HOST', { HOST: '[::1]' }],
    ['HOST', { HOST: '-bad.example' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
    ['TRUST_PROXY', { TRUST_PROXY: '::1/129' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.1,,10.0.0.2' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'proxy.internal' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/8/1' }],
    ['TRUST_PROXY', { TRUST_PROXY: '-1' }],
    ['TRUST_PROXY', { TRUST_PROXY: '99999999999999999999' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'text' }],
    ['VAPID_PRIVATE_KEY', { VAPID_PUBLIC_KEY: VAPID_PUBLIC }],
    ['VAPID_PUBLIC_KEY', { VAPID_PRIVATE_KEY: VAPID_PRIVATE }],
    ['VAPID_PUBLIC_KEY', { VAPID_PUBLIC_KEY: 'not-a-key', VAPID_PRIVATE_KEY: VAPID_PRIVATE }],
    ['VAPID_PUBLIC_KEY', { VAPID_PUBLIC_KEY: OTHER_VAPID_PUBLIC, VAPID_PRIVATE_KEY: VAPID_PRIVATE }],
    ['VAPID_PRIVATE_KEY', { VAPID_PUBLIC_KEY: VAPID_PUBLIC, VAPID_PRIVATE_KEY: 'AAAA' }],
    ['VAPID_PRIVATE_KEY', { VAPID_PUBLIC_KEY: VAPID_PUBLIC, VAPID_PRIVATE_KEY: `${VAPID_PRIVATE}+` }],
    ['VAPID_SUBJECT', { VAPID_SUBJECT: 'admin@example.com' }],
    ['VAPID_SUBJECT', { VAPID_SUBJECT: 'http://chat.example' }],
    ['SEARCH_INDEX_INTERVAL_MS', { SEARCH_INDEX_INTERVAL_MS: '5' }],
    ['PUSH_TTL_SECONDS', { PUSH_TTL_SECONDS: 'a day' }],
    ['PUSH_TTL_SECONDS', { PUSH_TTL_SECONDS: '-1' }],
    ['PUSH_ENDPOINT_ALLOW', { PUSH_ENDPOINT_ALLOW: 'http://127.0.0.1' }],
    ['PUSH_ENDPOINT_ALLOW', { PUSH_ENDPOINT_ALLOW: '127.0.0.1:8080' }],
    ['PUSH_ENDPOINT_ALLOW', { PUSH_ENDPOINT_ALLOW: '10.0.0.0/33' }],
    ['PUSH_ENDPOINT_ALLOW', { PUSH_ENDPOINT_ALLOW: 'a,,b' }],
  ])('refuses a bad %s (%j) with a message that names it', (variable, env) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(variable);
  });

  it('takes PUSH_TTL_SECONDS=0 (deliver now or never) and a mailto: VAPID_SUBJECT', () => {
    expect(loadConfig({ PUSH_TTL_SECONDS: '0', VAPID_SUBJECT: 'mailto:ops@chat.example' })).toMatchObject({
      pushTtlSeconds: 0,
      vapidSubject: 'mailto:ops@chat.example',
    });
  });

  it('accepts a JWT_SECRET in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toMatchObject({ production: true, jwtSecretGenerated: false });
  });
});
