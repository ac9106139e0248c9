import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import type { ErrorResponseDto } from '../support/contract';
import { isDocumentMismatch } from '../support/schema-check';
import { freePort } from '../support/service';
import { AckOf, TestSocket } from '../support/sockets';
import { sleep } from '../support/wait';

export { sleep };

/** Resolves with the promise's value, or with `onTimeout` after `ms` (the caller asserts on it). */
export function within<T, U>(promise: Promise<T>, ms: number, onTimeout: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<U>((ok) => (timer = setTimeout(() => ok(onTimeout), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * An HTTP request with a client-side timeout: `status` is 'timeout' when no answer came in time.
 * `body` is typed for what these tests read of it: the error body's fields.
 */
export async function timed(
  req: request.Test,
  ms = 10_000,
): Promise<{ status: number | 'timeout' | 'error'; body: Partial<ErrorResponseDto> | null; error?: string }> {
  try {
    const res = await req.timeout(ms);
    return { status: res.status, body: res.body as Partial<ErrorResponseDto> | null };
  } catch (err) {
    // An answer that came but is not the documented one is no timeout nor network error.
    if (isDocumentMismatch(err)) throw err;
    const e = err as { timeout?: number; code?: string; message?: string };
    if (e.timeout || e.code === 'ECONNABORTED') return { status: 'timeout', body: null, error: e.message };
    return { status: 'error', body: null, error: `${e.code ?? ''} ${e.message ?? String(err)}` };
  }
}

/** A socket ack with a client-side timeout: `timeout: true` (and not ok) when it never came. */
export async function ackWithin<E extends string>(
  socket: TestSocket,
  ms: number,
  event: E,
  payload: unknown,
): Promise<AckOf<E> & { timeout?: true }> {
  try {
    return (await socket.socket.timeout(ms).emitWithAck(event, payload)) as AckOf<E>;
  } catch (err) {
    if (isDocumentMismatch(err)) throw err;
    return { ok: false, timeout: true } as AckOf<E> & { timeout: true };
  }
}

/** Is the process still running (not exited, not killed)? */
export const alive = (proc: ChildProcess) => proc.exitCode === null && proc.signalCode === null;

// --- a PostgreSQL cluster of the test's own (so that stopping it does not touch the shared one) ---

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(a) - Number(b));
  if (!versions.length) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', versions[versions.length - 1], 'bin', name);
}

/** Runs a PostgreSQL binary as the postgres user (it refuses to run as root). */
function asPostgres(args: string[], timeoutMs = 60_000): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, ...rest] = asRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  return execFileSync(cmd, rest, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface PgCluster {
  port: number;
  url(database?: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every connection is cut at once, like a crash. */
  stopNow(): void;
  destroy(): void;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-pg-'));
  const dataDir = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  asPostgres([pgBin('initdb'), '-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], 120_000);
  const port = await freePort();
  const opts = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=60`;
  const cluster: PgCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      asPostgres([pgBin('pg_ctl'), '-D', dataDir, '-o', opts, '-l', log, '-w', '-t', '60', 'start']);
      // Ready for connections (pg_ctl -w waits, but be sure over TCP).
      for (let i = 0; i < 100; i++) {
        const c = new Client(cluster.url());
        try {
          await c.connect();
          await c.end();
          return;
        } catch {
          await c.end().catch(() => undefined);
          await sleep(100);
        }
      }
      throw new Error('own PostgreSQL cluster did not come up');
    },
    stopNow() {
      asPostgres([pgBin('pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    },
    destroy() {
      try {
        cluster.stopNow();
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

// --- a Redis server of the test's own ---

export interface OwnRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

export async function startRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const redis: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        {
          stdio: 'ignore',
        },
      );
      for (let i = 0; i < 100; i++) {
        try {
          execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore', timeout: 2000 });
          return;
        } catch {
          await sleep(100);
        }
      }
      throw new Error('own redis-server did not come up');
    },
    async kill() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((ok) => p.once('exit', ok));
      p.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}
