import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { io, type ManagerOptions } from 'socket.io-client';
import { Api } from './api';
import { createDatabase, dropDatabase, Env, freePort, ServiceProcess, spawnService } from './service';
import { TestSocket } from './sockets';
import { eventually } from './wait';

/** Debian's HAProxy (`.ci/run` installs the `haproxy` package when missing); HAPROXY_BIN overrides. */
const HAPROXY = process.env.HAPROXY_BIN ?? 'haproxy';

/** One instance of the service behind the balancer: a fixed port, so that it can be started again. */
export interface BalancedInstance {
  /** Its server name in HAProxy (`app1` …), also what `connect(…, { pin })` takes. */
  readonly name: string;
  readonly port: number;
  process: ServiceProcess | null;
  start(): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL (a crash); waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The HAProxy configuration: round robin over the instances, health checks on /health every 300 ms
 * (two failures in a row take a server out, two passes bring it back), a cookie for sticky long-polling, and
 * a `server` query parameter that pins a connection to one instance (the tests use it to put two
 * users on different instances; a pinned server that is down is ignored, like a stale cookie).
 */
export function haproxyConfig(port: number, statsSocket: string, errorFile: string, servers: { name: string; port: number }[]): string {
  return [
    'global',
    '  maxconn 4000',
    `  stats socket ${statsSocket} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // WebSockets after the upgrade: a tunnel, kept open as long as the socket.io heartbeats flow.
    '  timeout tunnel 1h',
    '  timeout check 3s',
    // With no instance up, the contract's error body rather than HAProxy's HTML page.
    `  errorfile 503 ${errorFile}`,
    // A request to a server that stopped listening before the check saw it goes to another one.
    '  retries 3',
    '  option redispatch 1',
    'frontend chat',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    '  default-server check inter 300 fall 2 rise 2',
    '  cookie chatsrv insert indirect nocache',
    '  http-response set-header X-Served-By %s',
    ...servers.map((s) => `  use-server ${s.name} if { urlp(server) -m str ${s.name} }`),
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} cookie ${s.name}`),
    '',
  ].join('\n');
}

/** A HAProxy process of the test's own, with its runtime API (the stats socket). */
export class Haproxy {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly proc: ChildProcess,
    private readonly log: () => string,
  ) {}

  static async start(servers: { name: string; port: number }[]): Promise<Haproxy> {
    const dir = mkdtempSync(join(tmpdir(), 'chat-haproxy-'));
    const port = await freePort();
    const config = join(dir, 'haproxy.cfg');
    const unavailable = JSON.stringify({ statusCode: 503, code: 'UNAVAILABLE', message: 'no instance is available' });
    writeFileSync(
      join(dir, '503.http'),
      `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${unavailable}`,
    );
    writeFileSync(config, haproxyConfig(port, join(dir, 'admin.sock'), join(dir, '503.http'), servers));
    let log = '';
    const proc = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const haproxy = new Haproxy(`http://127.0.0.1:${port}`, dir, proc, () => log);
    try {
      await eventually(
        () => haproxy.serverStates(),
        (states) => servers.every((s) => states.get(s.name) === 'UP'),
        'HAProxy to see every instance up',
      );
    } catch (err) {
      proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
    }
    return haproxy;
  }

  /** A command of HAProxy's runtime API; its answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = '';
      const socket = connect(join(this.dir, 'admin.sock'));
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (d) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
  }

  /** `show stat` as rows of the backend's servers: name → the columns by header name. */
  async stats(): Promise<Map<string, Record<string, string>>> {
    const [header, ...lines] = (await this.command('show stat')).trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const rows = new Map<string, Record<string, string>>();
    for (const line of lines) {
      const row = Object.fromEntries(line.split(',').map((v, i) => [columns[i], v]));
      if (row.pxname === 'instances' && row.svname !== 'BACKEND') rows.set(row.svname, row);
    }
    return rows;
  }

  /** Each server's check state as HAProxy sees it: UP, DOWN, or a transition ("UP 1/2"). */
  async serverStates(): Promise<Map<string, string>> {
    return new Map([...(await this.stats())].map(([name, row]) => [name, row.status]));
  }

  /** Waits until HAProxy sees `name` in `state` (UP after a start, DOWN after a stop). */
  waitFor(name: string, state: 'UP' | 'DOWN', timeoutMs = 20_000): Promise<unknown> {
    return eventually(
      () => this.serverStates(),
      (states) => states.get(name) === state,
      `HAProxy to see ${name} ${state}`,
      timeoutMs,
    );
  }

  output(): string {
    return this.log();
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((ok) => this.proc.once('exit', ok));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ClusterOptions {
  /** How many instances (default 3). */
  instances?: number;
  env?: Env;
}

/**
 * N instances of the built service on one fresh database and one Redis, behind a HAProxy of the
 * test's own: `api` and `connect` go through the balancer, as users do.
 */
export class BalancedCluster {
  readonly api: Api;
  readonly db: Pool;

  private constructor(
    readonly databaseUrl: string,
    readonly instances: BalancedInstance[],
    readonly haproxy: Haproxy,
  ) {
    this.api = new Api(haproxy.url);
    this.db = new Pool({ connectionString: databaseUrl, max: 4 });
  }

  static async start(options: ClusterOptions = {}): Promise<BalancedCluster> {
    const databaseUrl = await createDatabase('lb');
    const env: Env = { DATABASE_URL: databaseUrl, ...options.env };
    const instances: BalancedInstance[] = [];
    try {
      for (let i = 1; i <= (options.instances ?? 3); i++) {
        const instance = newInstance(`app${i}`, await freePort(), env);
        // One after the other: the first runs the migrations under their lock, the rest find them done.
        await instance.start();
        instances.push(instance);
      }
      return new BalancedCluster(databaseUrl, instances, await Haproxy.start(instances));
    } catch (err) {
      await Promise.all(instances.map((i) => i.stop('SIGKILL')));
      await dropDatabase(databaseUrl);
      throw err;
    }
  }

  get url(): string {
    return this.haproxy.url;
  }

  instance(name: string): BalancedInstance {
    const found = this.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  /**
   * A socket.io client through the balancer. `pin` puts it on one instance (while that one is up);
   * `transports` default to WebSocket only; polling keeps HAProxy's cookie in the client's jar
   * (`withCredentials`), which is what keeps its requests on one instance.
   */
  connect(token: string, options: { pin?: string } & Partial<Pick<ManagerOptions, 'transports' | 'upgrade'>> = {}): Promise<TestSocket> {
    const { pin, ...rest } = options;
    return new Promise((resolve, reject) => {
      const socket = io(this.url, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        withCredentials: true,
        timeout: 10_000,
        query: pin ? { server: pin } : {},
        ...rest,
      });
      const client = new TestSocket(socket);
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  async close(): Promise<void> {
    await this.haproxy.stop();
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.db.end();
    await dropDatabase(this.databaseUrl);
  }
}

function newInstance(name: string, port: number, env: Env): BalancedInstance {
  const instance: BalancedInstance = {
    name,
    port,
    process: null,
    async start() {
      instance.process = await spawnService(env, port);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const running = instance.process;
      instance.process = null;
      return running ? running.stop(signal) : null;
    },
  };
  return instance;
}

/** The balanced cluster of a spec file: started before its tests, closed after them. */
export function useBalancedCluster(options: ClusterOptions = {}): () => BalancedCluster {
  let cluster: BalancedCluster | undefined;
  beforeAll(async () => {
    cluster = await BalancedCluster.start(options);
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the cluster is not running yet: use it in hooks and tests');
    return cluster;
  };
}
