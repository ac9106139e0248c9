import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../support/service';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** PostgreSQL refuses to run as root: the server binaries run as the postgres user then. */
function run(tool: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ownDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  chmodSync(dir, 0o700);
  return dir;
}

/** One PostgreSQL server of the test's own (data directory, port). */
export class PgServer {
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  start(): void {
    // Socket in the data directory: nothing shared with the machine's own server.
    run('pg_ctl', ['-D', this.dir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${this.port} -k ${this.dir}`, 'start']);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    run('pg_ctl', ['-D', this.dir, '-m', mode, '-w', 'stop']);
  }

  async query<T>(database: string, sql: string): Promise<T[]> {
    const client = new Client(this.url(database));
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
}

/**
 * A primary (wal_level=replica, pg_stat_statements loaded) and a streaming replica made from it
 * with `pg_basebackup -R`, on free ports under temporary directories.
 */
export class PgCluster {
  private constructor(
    readonly primary: PgServer,
    readonly replica: PgServer,
  ) {}

  static async start(): Promise<PgCluster> {
    const primary = new PgServer(ownDir('chat-pg-primary-'), await freePort());
    run('initdb', ['-D', primary.dir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    const conf = [
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      "listen_addresses = '127.0.0.1'",
      "shared_preload_libraries = 'pg_stat_statements'",
      'fsync = off',
      'synchronous_commit = off',
    ];
    execFileSync('sh', ['-c', `cat >> '${primary.dir}/postgresql.conf'`], { input: `${conf.join('\n')}\n` });
    primary.start();
    const replica = new PgServer(ownDir('chat-pg-replica-'), await freePort());
    rmSync(replica.dir, { recursive: true });
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replica.dir, '-R', '-X', 'stream']);
    replica.start();
    return new PgCluster(primary, replica);
  }

  /** A database on the primary (with pg_stat_statements, which the replica then has too). */
  async createDatabase(name: string): Promise<void> {
    await this.primary.query('postgres', `CREATE DATABASE "${name}"`);
    await this.primary.query(name, 'CREATE EXTENSION pg_stat_statements');
  }

  stop(): void {
    for (const server of [this.replica, this.primary]) {
      try {
        server.stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(server.dir, { recursive: true, force: true });
    }
  }
}
