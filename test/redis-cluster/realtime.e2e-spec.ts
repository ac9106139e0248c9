import { randomUUID } from 'node:crypto';
import { createCluster } from '@redis/client';
import { Api, ok, TestUser } from '../support/api';
import { useRedisCluster } from '../support/redis-cluster';
import { ServiceProcess, useService } from '../support/service';
import { TestSocket, useSockets } from '../support/sockets';
import { eventually, sleep } from '../support/wait';
import { GRACE_MS } from '../realtime/support';

/**
 * Two instances on a real three-master Redis Cluster (REDIS_CLUSTER_URLS): the socket.io adapter on
 * sharded pub/sub, presence on keys hash-tagged per user. One master is killed and started again
 * mid-file (no persistence: it comes back empty), and the service carries on.
 */
describe('realtime and presence on a three-master Redis Cluster', () => {
  const cluster = useRedisCluster(3);
  const a = useService(() => ({ REDIS_CLUSTER_URLS: cluster().urls, PRESENCE_GRACE_MS: String(GRACE_MS) }));
  let b: ServiceProcess & { api: Api };
  const sockets = useSockets({ afterEach: true });

  beforeAll(async () => {
    b = await a.another();
  });

  /** Two fresh users, one per instance, with a direct chat. */
  async function pair(): Promise<[TestUser, TestUser, string]> {
    const [x, y] = [await a.api.newUser(), await b.api.newUser()];
    const res = await a.api.createChat(x, { type: 'direct', userId: y.id });
    expect(res.status).toBe(201);
    return [x, y, res.body.id];
  }

  const onlineAt = async (service: { api: Api }, viewer: TestUser, userId: string) =>
    ok(await service.api.user(viewer, userId), 200).online;

  /** Sends from `from` until `to` hears it (right after a master restart the first emits may be lost, as over a broken link). */
  async function deliveredAcross(from: TestSocket, to: TestSocket, chatId: string) {
    return eventually(
      async () => {
        const ack = await from.call('message:send', { chatId, clientId: randomUUID(), text: 'after the restart' });
        if (!ack.ok) return false;
        return to
          .waitFor('message:new', (m) => m.id === ack.data.id, 1000)
          .then(() => true)
          .catch(() => false);
      },
      (heard) => heard,
      'a message from one instance reaching the other',
    );
  }

  it('messages, typing and presence cross instances through the cluster', async () => {
    const [alice, bob, chatId] = await pair();
    const aliceOnA = await sockets.open(a, alice);
    const bobOnB = await sockets.open(b, bob);
    expect(await aliceOnA.waitFor('presence', (p) => p.userId === bob.id)).toEqual({ userId: bob.id, online: true, lastSeenAt: null });
    expect(await onlineAt(a, alice, bob.id)).toBe(true);
    expect(await onlineAt(b, bob, alice.id)).toBe(true);

    const sent = await aliceOnA.call('message:send', { chatId, clientId: randomUUID(), text: 'from A' });
    expect(sent.ok).toBe(true);
    expect(await bobOnB.waitFor('message:new', (m) => m.id === sent.data.id)).toEqual({ ...sent.data, status: null });

    expect(await bobOnB.call('typing', { chatId, isTyping: true })).toEqual({ ok: true, data: null });
    expect(await aliceOnA.waitFor('typing')).toEqual({ chatId, userId: bob.id, isTyping: true });

    bobOnB.close();
    expect(await aliceOnA.waitFor('presence', (p) => p.userId === bob.id && !p.online)).toMatchObject({ userId: bob.id, online: false });
    expect(await onlineAt(a, alice, bob.id)).toBe(false);
  });

  it('a message travels on its recipients’ own channels, spread over the masters, never on the channel every instance hears', async () => {
    // The sharded adapter's channels: one per user room, and the namespace's, which every instance subscribes to.
    const NAMESPACE = 'socket.io#/#';
    const roomChannel = (userId: string) => `${NAMESPACE}user:${userId}#`;
    const recipients: TestUser[] = [];
    for (let master = 0; master < 3; master++) {
      for (;;) {
        const user = await b.api.newUser();
        if (cluster().masterOf(roomChannel(user.id)) === master) {
          recipients.push(user);
          break;
        }
      }
    }
    const alice = await a.api.newUser();
    const listener = createCluster({ rootNodes: cluster().ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })) });
    await listener.connect();
    const heard = new Map<string, number>();
    const count = (channel: string) => () => heard.set(channel, (heard.get(channel) ?? 0) + 1);
    try {
      await listener.sSubscribe(NAMESPACE, count(NAMESPACE), true);
      for (const r of recipients) await listener.sSubscribe(roomChannel(r.id), count(roomChannel(r.id)), true);
      const aliceOnA = await sockets.open(a, alice);
      for (const recipient of recipients) {
        const chatId = ok(await a.api.createChat(alice, { type: 'direct', userId: recipient.id }), 201).id;
        const onB = await sockets.open(b, recipient);
        const sent = await aliceOnA.call('message:send', { chatId, clientId: randomUUID(), text: 'on my channel' });
        expect(sent.ok).toBe(true);
        expect(await onB.waitFor('message:new', (m) => m.id === sent.data.id)).toMatchObject({ text: 'on my channel' });
      }
      // Each recipient's channel (one on each master) carried its message; the namespace's carried none.
      for (const r of recipients) expect(heard.get(roomChannel(r.id))).toBeGreaterThanOrEqual(1);
      expect(heard.get(NAMESPACE) ?? 0).toBe(0);
    } finally {
      await listener.quit();
    }
  });

  it('keeps the users’ keys of one user in one slot, and no key without its user’s hash tag', async () => {
    const [alice] = await pair();
    await sockets.open(a, alice);
    const keys = cluster()
      .ports.flatMap((p) => cluster().cli(p, '--scan', '--pattern', `presence:*${alice.id}*`).split('\n'))
      .filter(Boolean);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toContain(`{user:${alice.id}}`);
    const slots = new Set(keys.map((key) => cluster().cli(cluster().ports[0], 'cluster', 'keyslot', key).trim()));
    expect(slots.size).toBe(1);
  });

  /** A new user (of `service`) whose presence keys live on master `master`. */
  async function userOnMaster(service: { api: Api }, master: number): Promise<TestUser> {
    for (;;) {
      const user = await service.api.newUser();
      if (cluster().masterOf(`presence:{user:${user.id}}:sockets`) === master) return user;
    }
  }

  const presenceAt = async (service: { api: Api }, viewer: TestUser, userId: string) =>
    ok(await service.api.presence(viewer, [userId]), 200).items[0];

  it.each([0, 1, 2])(
    'master %i killed and started again empty mid-test: both instances keep running, events flow again both ways, and presence is right again',
    async (master) => {
      // Alice (on A) stays connected and Carol (on B) leaves while the master is down: both have
      // their presence keys on that master, which comes back without them.
      const [alice, carol, bob] = [await userOnMaster(a, master), await userOnMaster(b, master), await b.api.newUser()];
      const chatId = ok(await a.api.createChat(alice, { type: 'direct', userId: bob.id }), 201).id;
      ok(await b.api.createChat(carol, { type: 'direct', userId: alice.id }), 201);
      const aliceOnA = await sockets.open(a, alice);
      const bobOnB = await sockets.open(b, bob);
      const carolOnB = await sockets.open(b, carol);
      await aliceOnA.waitFor('presence', (p) => p.userId === carol.id && p.online);
      await deliveredAcross(aliceOnA, bobOnB, chatId);
      const closedAt = Date.now();

      await cluster().restart(master, async () => {
        carolOnB.close();
        // B hears of it while the master is down, or just after it is back: either way it counts.
        await sleep(300);
      });

      expect(a.proc.exitCode).toBeNull();
      expect(b.proc.exitCode).toBeNull();
      await eventually(
        () => fetch(`${a.url}/health`),
        (res) => res.status === 200,
        'A healthy again',
      );
      await deliveredAcross(aliceOnA, bobOnB, chatId);
      await deliveredAcross(bobOnB, aliceOnA, chatId);

      // Alice's keys are written again: she is online, as seen from either instance.
      for (const service of [a, b]) {
        await eventually(
          () => presenceAt(service, bob, alice.id),
          (p) => p.online,
          'Alice online again',
        );
      }
      // Carol's departure went through: offline, last seen when she left (not before the restart).
      const carolNow = await eventually(
        () => presenceAt(a, alice, carol.id),
        (p) => !p.online && p.lastSeenAt !== null,
        'Carol offline with a last seen time',
      );
      expect(Date.parse(carolNow.lastSeenAt!)).toBeGreaterThanOrEqual(closedAt);
      expect((await presenceAt(b, bob, alice.id)).online).toBe(true);
      expect(a.proc.exitCode).toBeNull();
      expect(b.proc.exitCode).toBeNull();
    },
  );
});
