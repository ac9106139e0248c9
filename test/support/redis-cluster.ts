import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/common/free-port';

/** A real Redis Cluster of three masters (no replicas) on free ports, in a temporary directory of its own. */
export class RedisCluster {
  private readonly procs: Array<ChildProcess | undefined> = [];

  private constructor(
    private readonly dir: string,
    readonly ports: number[],
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freePort());
    const cluster = new RedisCluster(dir, ports);
    try {
      for (let i = 0; i < masters; i++) await cluster.startNode(i);
      const created = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      await cluster.waitForOk();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** What the service is given as REDIS_CLUSTER_URLS: every master (any one would do as a seed). */
  get urls(): string {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  }

  /**
   * Kills master `i` (SIGKILL: nothing saved; the cluster has no persistence), runs `whileDown`, and
   * starts it again on its port with its nodes.conf: it comes back empty.
   */
  async restart(i: number, whileDown?: () => Promise<void>): Promise<void> {
    await this.kill(i);
    await whileDown?.();
    await this.startNode(i);
    await this.waitForOk();
  }

  /** The index of the master that holds `key` (its slot), as the cluster says. */
  masterOf(key: string): number {
    const slot = Number(this.cli(this.ports[0], 'cluster', 'keyslot', key).trim());
    const nodes = this.cli(this.ports[0], 'cluster', 'nodes').split('\n');
    const index = this.ports.findIndex((port) => {
      const line = nodes.find((l) => l.includes(`127.0.0.1:${port}@`));
      return line
        ?.split(' ')
        .slice(8)
        .some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from && slot <= to;
        });
    });
    if (index < 0) throw new Error(`no master holds slot ${slot}`);
    return index;
  }

  async kill(i: number): Promise<void> {
    const proc = this.procs[i];
    this.procs[i] = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(this.ports.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Waits until every node says cluster_state:ok. */
  async waitForOk(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = this.ports.map((p) => this.cli(p, 'cluster', 'info'));
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > until) throw new Error(`the Redis cluster is not ok: ${states.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** A command on node `port` (redis-cli's output). */
  cli(port: number, ...args: string[]): string {
    const res = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
    return `${res.stdout ?? ''}${res.stderr ?? ''}`;
  }

  private async startNode(i: number): Promise<void> {
    const port = this.ports[i];
    const nodeDir = join(this.dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
    const proc = spawn('redis-server', [...args, '--save', '', '--appendonly', 'no'], { cwd: nodeDir, stdio: 'ignore' });
    this.procs[i] = proc;
    const until = Date.now() + 10_000;
    while (!this.cli(port, 'ping').includes('PONG')) {
      if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${proc.exitCode})`);
      if (Date.now() > until) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The Redis Cluster of a spec file: started before its tests, stopped after them. */
export function useRedisCluster(masters = 3): () => RedisCluster {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await RedisCluster.start(masters);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the Redis cluster is not running yet');
    return cluster;
  };
}
