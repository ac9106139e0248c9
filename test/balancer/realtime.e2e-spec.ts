import { randomUUID } from 'node:crypto';
import { ok, TestUser } from '../support/api';
import { useBalancedCluster } from '../support/balancer';
import { TestSocket } from '../support/sockets';

// A database number of its own on the shared Redis (the adapter's channels and presence keys).
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/8';

/** Three instances behind a real HAProxy: what users see through the balancer. */
describe('three instances behind HAProxy', () => {
  const cluster = useBalancedCluster({ env: { REDIS_URL, PRESENCE_GRACE_MS: '500' } });
  const opened: TestSocket[] = [];
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    [alice, bob, carol] = await cluster().api.newUsers(3);
  });

  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  async function open(user: TestUser, options: Parameters<ReturnType<typeof cluster>['connect']>[1] = {}) {
    const socket = await cluster().connect(user.accessToken, options);
    opened.push(socket);
    return socket;
  }

  it('health checks on /health see all three up, and REST requests are spread over them', async () => {
    const states = await cluster().haproxy.serverStates();
    expect(Object.fromEntries(states)).toEqual({ app1: 'UP', app2: 'UP', app3: 'UP' });
    const servedBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await cluster().api.me(alice);
      expect(res.status).toBe(200);
      servedBy.add(String(res.headers['x-served-by']));
    }
    expect([...servedBy].sort()).toEqual(['app1', 'app2', 'app3']);
  });

  it('long-polling stays on one instance (the balancer’s cookie) and works; the default transports upgrade to WebSocket', async () => {
    const chat = await cluster().api.newDirect(alice, bob);
    const before = await cluster().haproxy.stats();
    // Six polling clients, placed round robin: without stickiness their polls would hit instances
    // that do not know their engine.io session, and they would fail at once.
    const pollers: TestSocket[] = [];
    for (let i = 0; i < 6; i++) pollers.push(await open(i % 2 ? bob : alice, { transports: ['polling'] }));
    const after = await cluster().haproxy.stats();
    for (const name of ['app1', 'app2', 'app3']) expect(Number(after.get(name)!.stot)).toBeGreaterThan(Number(before.get(name)!.stot));
    for (const [i, poller] of pollers.entries()) {
      const sent = await poller.call('message:send', { chatId: chat.id, clientId: randomUUID(), text: `poll ${i}` });
      expect(sent).toMatchObject({ ok: true });
      // Every other poller of the two users hears it (the sending socket has its ack), from whichever instance sent it.
      for (const other of pollers.filter((o) => o !== poller))
        expect(await other.waitFor('message:new', (m) => m.id === sent.data.id)).toMatchObject({ text: `poll ${i}` });
      expect(poller.socket.io.engine.transport.name).toBe('polling');
    }

    const upgrading = await open(carol, { transports: ['polling', 'websocket'] });
    await new Promise<void>((resolve) => {
      if (upgrading.socket.io.engine.transport.name === 'websocket') return resolve();
      upgrading.socket.io.engine.once('upgrade', () => resolve());
    });
    expect(upgrading.socket.io.engine.transport.name).toBe('websocket');
    const group = await cluster().api.newGroup(carol, [alice], 'upgraded');
    const sent = await upgrading.call('message:send', { chatId: group.id, clientId: randomUUID(), text: 'after the upgrade' });
    expect(sent).toMatchObject({ ok: true });
    expect(await pollers[0].waitFor('message:new', (m) => m.id === sent.data.id)).toMatchObject({ text: 'after the upgrade' });
  });

  it('every realtime event reaches members connected to the other instances', async () => {
    const group = await cluster().api.newGroup(alice, [bob, carol], 'three instances');
    const onApp1 = await open(alice, { pin: 'app1' });
    const onApp2 = await open(bob, { pin: 'app2' });
    const onApp3 = await open(carol, { pin: 'app3' });
    const others = [onApp2, onApp3];

    const sent = await onApp1.call('message:send', { chatId: group.id, clientId: randomUUID(), text: 'to everyone' });
    expect(sent).toMatchObject({ ok: true });
    for (const s of others) expect(await s.waitFor('message:new', (m) => m.id === sent.data.id)).toEqual({ ...sent.data, status: null });

    expect(await onApp2.call('message:delivered', { chatId: group.id, seq: sent.data.seq })).toEqual({ ok: true, data: null });
    expect(await onApp2.call('message:read', { chatId: group.id, seq: sent.data.seq })).toEqual({ ok: true, data: null });
    for (const s of [onApp1, onApp3])
      expect(await s.waitFor('receipt', (r) => r.userId === bob.id && r.type === 'read')).toMatchObject({ seq: sent.data.seq });

    expect(await onApp3.call('typing', { chatId: group.id, isTyping: true })).toEqual({ ok: true, data: null });
    for (const s of [onApp1, onApp2])
      expect(await s.waitFor('typing', (t) => t.userId === carol.id)).toEqual({ chatId: group.id, userId: carol.id, isTyping: true });

    expect(await onApp2.call('reaction:set', { chatId: group.id, seq: sent.data.seq, emoji: '👍', on: true })).toEqual({
      ok: true,
      data: null,
    });
    for (const s of [onApp1, onApp3])
      expect(await s.waitFor('reaction', (r) => r.userId === bob.id)).toMatchObject({ emoji: '👍', on: true });

    const edited = await onApp1.call('message:edit', { chatId: group.id, seq: sent.data.seq, text: 'to everyone, edited' });
    expect(edited).toMatchObject({ ok: true });
    for (const s of others)
      expect(await s.waitFor('message:updated', (m) => m.id === sent.data.id)).toMatchObject({ text: 'to everyone, edited' });

    ok(await cluster().api.rename(alice, group.id, 'renamed behind the balancer'));
    for (const s of others)
      expect(await s.waitFor('chat:updated', (c) => c.id === group.id && c.title === 'renamed behind the balancer')).toBeTruthy();

    expect((await cluster().api.removeMember(alice, group.id, carol)).status).toBe(204);
    expect(await onApp3.waitFor('chat:removed', (c) => c.chatId === group.id)).toEqual({ chatId: group.id });

    // Presence: Carol (on app3) going away is seen by Alice on app1 once the grace period is over.
    const direct = await cluster().api.newDirect(alice, carol);
    expect(direct.id).toBeTruthy();
    onApp3.close();
    expect(await onApp1.waitFor('presence', (p) => p.userId === carol.id && !p.online, 15_000)).toMatchObject({ online: false });
  }, 30_000);
});
