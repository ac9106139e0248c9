import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { freePort } from '../../src/common/free-port';

export { freePort };

/** The shared PostgreSQL server the tests use; each service gets a database of its own. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret';

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
export async function spawnService(env: Record<string, string | undefined>, port?: number): Promise<ServiceProcess> {
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
      ...env,
      PORT: String(listenPort),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${listenPort}`;
  const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
  try {
    await waitForHealth(url, 60_000, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${log}`);
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

export interface TestService extends ServiceProcess {
  databaseUrl: string;
  /** A pool on the service's database, for checks a user cannot make through the API. */
  db: Pool;
  close(): Promise<void>;
}

/** A service process on a fresh database of the shared PostgreSQL server. */
export async function startTestService(env: Record<string, string | undefined> = {}): Promise<TestService> {
  const databaseUrl = await createDatabase();
  const service = await spawnService({ DATABASE_URL: databaseUrl, ...env });
  const db = new Pool({ connectionString: databaseUrl, max: 4 });
  return {
    ...service,
    databaseUrl,
    db,
    async close() {
      await service.stop();
      await db.end();
      await dropDatabase(databaseUrl);
    },
  };
}
