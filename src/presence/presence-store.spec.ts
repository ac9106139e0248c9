import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { freePort } from '../common/free-port';
import { newToken, PRESENCE_SCRIPTS, PresenceRedisClient, RedisPresenceStore } from './presence-store';

const HEARTBEAT_TTL_MS = 300;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Against a redis-server of its own in cluster mode, one node serving every slot: a script that
 * touches keys of two slots fails there as it would on a real cluster.
 */
describe('RedisPresenceStore', () => {
  let dir: string;
  let server: ChildProcess;
  let client: PresenceRedisClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'presence-redis-'));
    const port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes'],
      { stdio: 'ignore' },
    );
    client = createClient({ url: `redis://127.0.0.1:${port}`, scripts: PRESENCE_SCRIPTS, socket: { reconnectStrategy: 100 } });
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

  /** One service instance: its own socket counts and grace timers, as PresenceService keeps them. */
  function instance(instanceId: string) {
    const local = new Map<string, number>();
    const held = new Map<string, true>();
    const store = new RedisPresenceStore(
      client,
      { prefix: 'presence:', instanceId, heartbeatTtlMs: HEARTBEAT_TTL_MS, tokenTtlMs: 60_000 },
      local,
      held,
    );
    return {
      store,
      local,
      held,
      async connect(userId: string) {
        local.set(userId, (local.get(userId) ?? 0) + 1);
        return store.add(userId);
      },
      async disconnect(userId: string, token = newToken()) {
        const left = (local.get(userId) ?? 0) - 1;
        if (left > 0) local.set(userId, left);
        else local.delete(userId);
        return store.remove(userId, token);
      },
      async beat(token = newToken()) {
        const result = await store.heartbeat(token);
        for (const grace of result.graces) held.set(grace.userId, true);
        return result;
      },
    };
  }

  it('shows a user from its first socket; its last socket starts the grace period, which only its token ends', async () => {
    const a = instance('a');
    await a.beat();
    expect(await a.connect('u')).toBe(true);
    expect(await a.connect('u')).toBe(false);
    expect(await a.disconnect('u')).toBe(false);
    const token = newToken();
    expect(await a.disconnect('u', token)).toBe(true);
    expect(await a.store.onlineOf(['u', 'nobody'])).toEqual(new Set(['u']));
    expect(await a.store.settle('u', newToken())).toBe(false);
    expect(await a.store.settle('u', token)).toBe(true);
    expect(await a.store.onlineOf(['u'])).toEqual(new Set());
    expect(await a.connect('u')).toBe(true);
  });

  it('a socket back within the grace period cancels it; sockets on another instance keep the user online', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    const token = newToken();
    expect(await a.disconnect('u', token)).toBe(true);
    expect(await b.connect('u')).toBe(false);
    expect(await a.store.settle('u', token)).toBe(false);
    await a.connect('u');
    expect(await b.disconnect('u')).toBe(false);
    expect(await b.store.onlineOf(['u'])).toEqual(new Set(['u']));
  });

  it('a survivor reaps a crashed instance: its users with no other socket get a grace period the survivor holds', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('lonely');
    await a.connect('both');
    await b.connect('both');
    await sleep(HEARTBEAT_TTL_MS + 50); // a stops beating
    const token = newToken();
    expect(await b.beat(token)).toEqual({ graces: [{ userId: 'lonely', token }], shown: [] });
    expect(await b.store.onlineOf(['lonely', 'both'])).toEqual(new Set(['lonely', 'both']));
    expect(await b.store.settle('lonely', token)).toBe(true);
    expect(await b.store.onlineOf(['lonely', 'both'])).toEqual(new Set(['both']));
    // Reaped once: nothing of `a` is left.
    expect(await b.beat()).toEqual({ graces: [], shown: [] });
    expect(await client.keys('presence:instance:a:*')).toEqual([]);
    expect(await client.zRange('presence:heartbeats', 0, -1)).toEqual(['b']);
  });

  it('an instance that leaves is reaped at the next beat of a survivor', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    await a.store.leave();
    expect((await b.beat()).graces.map((g) => g.userId)).toEqual(['u']);
  });

  it('a reaper that stopped midway is replaced once its claim runs out', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    // Someone claimed `a` and stopped before reaping it.
    await client.zRem('presence:heartbeats', 'a');
    await client.zAdd('presence:heartbeats', { score: 1, value: 'reap:a' });
    expect((await b.beat()).graces.map((g) => g.userId)).toEqual(['u']);
    expect(await client.zRange('presence:heartbeats', 0, -1)).toEqual(['b']);
  });

  it('after Redis lost everything, the next heartbeat registers the instance again and puts its sockets back', async () => {
    const a = instance('a');
    await a.beat();
    await a.connect('u');
    await a.connect('u');
    await client.flushAll();
    expect(await a.store.onlineOf(['u'])).toEqual(new Set());
    expect(await a.beat()).toEqual({ graces: [], shown: ['u'] });
    expect(await client.hGetAll('presence:{user:u}:sockets')).toEqual({ a: '2' });
    expect(await a.disconnect('u')).toBe(false);
    expect(await a.disconnect('u')).toBe(true);
  });

  /** What a cluster master that restarted empty loses: the keys of its slots (here: one user's), not the heartbeats. */
  const loseKeysOf = (userId: string) => client.del(['sockets', 'left', 'shown'].map((k) => `presence:{user:${userId}}:${k}`));

  it('after a connection came back, the next heartbeat writes again the counts of a user whose keys were lost', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    await a.connect('u');
    await b.connect('u');
    await loseKeysOf('u');
    expect(await a.beat()).toEqual({ graces: [], shown: [] }); // nothing tells it yet
    a.store.resyncDue();
    b.store.resyncDue();
    expect(await a.beat()).toEqual({ graces: [], shown: ['u'] });
    expect(await b.beat()).toEqual({ graces: [], shown: [] });
    expect(await client.hGetAll('presence:{user:u}:sockets')).toEqual({ a: '2', b: '1' });
    expect(await b.beat()).toEqual({ graces: [], shown: [] }); // written once
  });

  it('the last socket of a user whose keys were lost still starts its grace period, and it ends', async () => {
    const a = instance('a');
    await a.beat();
    await a.connect('u');
    await loseKeysOf('u');
    const token = newToken();
    expect(await a.disconnect('u', token)).toBe(true);
    expect(await a.store.onlineOf(['u'])).toEqual(new Set(['u']));
    expect(await a.store.settle('u', token)).toBe(true);
    expect(await a.store.onlineOf(['u'])).toEqual(new Set());
  });

  it('a grace period whose token was lost is written again, so that its holder still ends it', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    const token = newToken();
    expect(await a.disconnect('u', token)).toBe(true);
    a.held.set('u', true);
    await loseKeysOf('u');
    a.store.resyncDue();
    expect(await a.beat()).toEqual({ graces: [], shown: [] }); // its timer runs already
    expect(await b.store.onlineOf(['u'])).toEqual(new Set(['u']));
    expect(await a.store.settle('u', token)).toBe(true);
    expect(await b.store.onlineOf(['u'])).toEqual(new Set());
  });

  it('an instance reaped during a long pause waits for the reaping to end, then puts its sockets back', async () => {
    const [a, b] = [instance('a'), instance('b')];
    await Promise.all([a.beat(), b.beat()]);
    await a.connect('u');
    // `a` is being reaped (claimed, not yet done): it waits.
    await client.zRem('presence:heartbeats', 'a');
    await client.zAdd('presence:heartbeats', { score: Date.now() + 60_000, value: 'reap:a' });
    expect(await a.beat()).toEqual({ graces: [], shown: [] });
    expect(await client.zScore('presence:heartbeats', 'a')).toBeNull();
    // Reaped meanwhile: u's socket on `a` was taken out, and b holds its grace period.
    await client.hDel('presence:{user:u}:sockets', 'a');
    await client.zRem('presence:heartbeats', 'reap:a');
    expect(await a.beat()).toEqual({ graces: [], shown: [] });
    expect(await client.hGetAll('presence:{user:u}:sockets')).toEqual({ a: '1' });
    expect(await a.store.onlineOf(['u'])).toEqual(new Set(['u']));
  });

  it('keeps in its set only the users it has sockets or grace timers of', async () => {
    const a = instance('a');
    await a.beat();
    await a.connect('gone');
    await a.connect('stays');
    await a.connect('waits');
    const token = newToken();
    await a.disconnect('gone', token);
    await a.store.settle('gone', token); // its grace period ended
    expect(await a.disconnect('waits')).toBe(true);
    a.held.set('waits', true);
    await a.beat();
    expect((await client.sMembers('presence:instance:a:users')).sort()).toEqual(['stays', 'waits']);
  });
});
