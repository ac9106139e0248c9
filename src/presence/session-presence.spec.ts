import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, RedisClientType } from '@redis/client';
import { freePort } from '../common/free-port';
import { RedisSessionPresence } from './session-presence';

const TTL_MS = 300;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Against a redis-server of its own in cluster mode (one node, every slot): every command must stay in one slot. */
describe('RedisSessionPresence', () => {
  let dir: string;
  let server: ChildProcess;
  let client: RedisClientType;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'session-presence-'));
    const port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes'],
      { stdio: 'ignore' },
    );
    client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: 100 } });
    client.on('error', () => undefined); // while the server starts
    await client.connect();
    await client.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    while (!(await client.sendCommand<string>(['CLUSTER', 'INFO'])).includes('cluster_state:ok')) await sleep(50);
  });

  afterAll(() => {
    client?.destroy();
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await client.flushAll();
  });

  /** One instance: its own socket counts per session, and its entry in the heartbeat list. */
  async function instance(instanceId: string) {
    await client.zAdd('presence:heartbeats', { score: Date.now() + 60_000, value: instanceId });
    const local = new Map<string, number>();
    const presence = new RedisSessionPresence(client, { prefix: 'presence:', instanceId, ttlMs: TTL_MS }, local);
    return {
      presence,
      async connect(sessionId: string) {
        local.set(sessionId, (local.get(sessionId) ?? 0) + 1);
        if (local.get(sessionId) === 1) await presence.added(sessionId);
      },
      async disconnect(sessionId: string) {
        const left = (local.get(sessionId) ?? 0) - 1;
        if (left > 0) local.set(sessionId, left);
        else local.delete(sessionId);
        if (left <= 0) await presence.removed(sessionId);
      },
    };
  }

  it('a session with a socket on any instance is connected; without one, it is not', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    await a.connect('s1');
    await b.connect('s2');
    await b.connect('s2');
    expect(await a.presence.connectedOf(['s1', 's2', 's3'])).toEqual(new Set(['s1', 's2']));
    expect(await b.presence.connectedOf(['s1', 's2', 's3'])).toEqual(new Set(['s1', 's2']));
    await b.disconnect('s2');
    expect(await a.presence.connectedOf(['s2'])).toEqual(new Set(['s2']));
    await b.disconnect('s2');
    expect(await a.presence.connectedOf(['s2'])).toEqual(new Set());
  });

  it('the sessions of an instance that stopped beating stop counting when its TTL ends', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    await a.connect('s1');
    expect(await b.presence.connectedOf(['s1'])).toEqual(new Set(['s1']));
    await sleep(TTL_MS + 100); // `a` died: no beat
    expect(await b.presence.connectedOf(['s1'])).toEqual(new Set());
  });

  it('a heartbeat keeps the set alive, and writes it again after Redis lost it', async () => {
    const a = await instance('a');
    const b = await instance('b');
    await a.connect('s1');
    await sleep(TTL_MS / 2);
    await a.presence.beat();
    await sleep(TTL_MS / 2 + 50);
    expect(await b.presence.connectedOf(['s1'])).toEqual(new Set(['s1']));
    await client.del('presence:instance:a:sessions');
    await a.presence.beat();
    expect(await b.presence.connectedOf(['s1'])).toEqual(new Set(['s1']));
    await a.presence.leave();
    expect(await b.presence.connectedOf(['s1'])).toEqual(new Set());
  });
});
