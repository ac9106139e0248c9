import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { freePort } from '../../src/common/free-port';
import { Api } from './api';

export { freePort };

/** The shared PostgreSQL server the tests use; each service gets a database of its own. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret';

/** A service's environment: a variable set to `undefined` is left out (the service's default). */
export type Env = Record<string, string | undefined>;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database on the test server; returns its URL. */
export async function createDatabase(prefix = 't'): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client(PG_ADMIN_URL);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return withDatabase(PG_ADMIN_URL, name);
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client(PG_ADMIN_URL);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function waitForHealth(url: string, timeoutMs = 60_000, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service at ${url} not healthy after ${timeoutMs} ms`);
}

export interface ServiceProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  output: () => string;
  /** Ends the process (SIGTERM, or the signal given) and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the built service (dist/) as a real process and waits until /health answers 200. */
export async function spawnService(env: Env, port?: number): Promise<ServiceProcess> {
  const listenPort = port ?? (await freePort());
  let log = '';
  const proc = spawn(process.execPath, [MAIN_JS], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      JWT_SECRET: TEST_JWT_SECRET,
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // Per-user send and upload limits off: tests send in bursts (test/reliability/abuse tests them).
      SEND_RATE_PER_SECOND: '0',
      UPLOAD_RATE_PER_MINUTE: '0',
      // Nor is a burst on one socket refused for its age on a busy CI machine (overload.e2e-spec tests it).
      SEND_WAIT_MAX_MS: '60000',
      ...env,
      PORT: String(listenPort),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${listenPort}`;
  const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
  try {
    await waitForHealth(url, 60_000, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  return {
    url,
    port: listenPort,
    proc,
    output: () => log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export interface TestServiceOptions {
  /** A DATA_DIR of its own (for the attachments' files), removed by `close`. */
  dataDir?: boolean;
  /** The database to use (kept by `close`) instead of a fresh one on the shared server. */
  databaseUrl?: string;
  /** What the service is given as DATABASE_URL instead of the database's own (e.g. a proxy in front of it). */
  connectVia?: (databaseUrl: string) => Promise<string>;
}

/**
 * The service on a database of its own: a process of the built service, a pool on its database for
 * the checks a user cannot make through the API, the typed API, and more instances or a restart
 * when a test needs them.
 */
export class TestService implements ServiceProcess {
  readonly api = new Api(() => this.url);
  /** A pool on the service's database (connects on first use). */
  readonly db: Pool;
  private readonly others: ServiceProcess[] = [];

  private constructor(
    readonly databaseUrl: string,
    private readonly ownDatabase: boolean,
    readonly dataDir: string | undefined,
    private readonly env: Env,
    private instance: ServiceProcess,
  ) {
    this.db = new Pool({ connectionString: databaseUrl, max: 4 });
  }

  static async start(env: Env = {}, options: TestServiceOptions = {}): Promise<TestService> {
    const databaseUrl = options.databaseUrl ?? (await createDatabase());
    const dataDir = options.dataDir ? mkdtempSync(join(tmpdir(), 'chat-e2e-')) : undefined;
    const serviceEnv: Env = {
      DATABASE_URL: options.connectVia ? await options.connectVia(databaseUrl) : databaseUrl,
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      ...env,
    };
    try {
      return new TestService(databaseUrl, !options.databaseUrl, dataDir, serviceEnv, await spawnService(serviceEnv));
    } catch (err) {
      if (!options.databaseUrl) await dropDatabase(databaseUrl);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  get url(): string {
    return this.instance.url;
  }

  get port(): number {
    return this.instance.port;
  }

  get proc(): ChildProcess {
    return this.instance.proc;
  }

  output(): string {
    return this.instance.output();
  }

  stop(signal?: NodeJS.Signals): Promise<number | null> {
    return this.instance.stop(signal);
  }

  /** Starts the service again, on the same database and port (after `stop`, e.g. a crash). */
  async restart(): Promise<void> {
    this.instance = await spawnService(this.env, this.instance.port);
  }

  /** One more instance on the same database and environment (and `env`), stopped by `close`. */
  async another(env: Env = {}): Promise<ServiceProcess & { api: Api }> {
    const other = await spawnService({ ...this.env, ...env });
    this.others.push(other);
    return { ...other, api: new Api(other.url) };
  }

  async close(): Promise<void> {
    await Promise.all([this.instance.stop(), ...this.others.map((o) => o.stop())]);
    await endPool(this.db);
    if (this.ownDatabase) await dropDatabase(this.databaseUrl);
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Ends a pool and waits until its connections are closed: Pool.end resolves once it has let go of
 * them, before they have said goodbye, and DROP DATABASE … WITH (FORCE) would then kill one that is
 * still open (an unhandled 57P01 error in the spec's process).
 */
async function endPool(pool: Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on('remove', () => {
      open -= 1;
      if (open <= 0) resolve();
    });
    // Not forever: a connection that never closes is the drop's to cut.
    setTimeout(resolve, 5000).unref();
  });
  await pool.end();
  await closed;
}

/** A service process on a fresh database of the shared PostgreSQL server. */
export function startTestService(env: Env = {}, options: TestServiceOptions = {}): Promise<TestService> {
  return TestService.start(env, options);
}

/**
 * The service of a spec file: started before its tests (beforeAll) and closed after them
 * (afterAll). `env` may be a function, read at the start (e.g. the URL of a server that an
 * earlier beforeAll started); so may the database URL. The handle's `api` can be taken at once;
 * the rest is there from the start on.
 */
export function useService(
  env: Env | (() => Env) = {},
  options: Omit<TestServiceOptions, 'databaseUrl'> & { databaseUrl?: () => string } = {},
): TestService {
  let service: TestService | undefined;
  beforeAll(async () => {
    service = await startTestService(typeof env === 'function' ? env() : env, { ...options, databaseUrl: options.databaseUrl?.() });
  }, 120_000);
  afterAll(async () => {
    await service?.close();
  });
  const running = (): TestService => {
    if (!service) throw new Error('the service is not running yet: use it in hooks and tests after useService');
    return service;
  };
  const api = new Api(() => running().url);
  // The handle delegates to the running service; `api` is the one thing usable before it starts.
  return new Proxy(Object.create(TestService.prototype) as TestService, {
    get(_, key) {
      if (key === 'api') return api;
      if (key === 'then') return undefined; // not a promise, even before the start
      const target = running();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs the built service with `env` until it exits (a start that the configuration refuses). */
export function startRefused(env: Record<string, string>, dataDir: string) {
  return spawnSync(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
}
