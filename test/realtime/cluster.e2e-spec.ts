import { randomUUID } from 'node:crypto';
import { Api, bearer, ok, TestUser } from '../support/api';
import { anyString } from '../support/matchers';
import { ServiceProcess, useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { GRACE_MS } from './support';

// A database number of its own, so that these keys stay apart from anything else on this Redis.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';

/** Two instances of the service on one database and one Redis: users on either see each other. */
describe('realtime across two instances (Redis adapter and shared presence)', () => {
  const a = useService({ REDIS_URL, PRESENCE_GRACE_MS: String(GRACE_MS) });
  let b: ServiceProcess & { api: Api };
  const sockets = useSockets({ afterEach: true });
  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    b = await a.another();
    alice = await a.api.newUser();
    bob = await b.api.newUser();
    const res = await a.api.createChat(alice, { type: 'direct', userId: bob.id });
    expect(res.status).toBe(201);
    chatId = res.body.id;
  });

  /** Two fresh users with a direct chat: presence tests do not hear each other. */
  async function pair(): Promise<[TestUser, TestUser]> {
    const [x, y] = [await a.api.newUser(), await b.api.newUser()];
    const res = await a.api.createChat(x, { type: 'direct', userId: y.id });
    expect(res.status).toBe(201);
    return [x, y];
  }

  async function onlineAt(service: { api: Api }, viewer: TestUser, userId: string) {
    const { online, lastSeenAt } = ok(await service.api.user(viewer, userId), 200);
    return { online, lastSeenAt };
  }

  it('presence: a user connected to B is online on A too, and A’s users are told; a quick move to the other instance does not flap', async () => {
    const [carol, dave] = await pair();
    const carolOnA = await sockets.open(a, carol);
    const daveOnB = await sockets.open(b, dave);
    expect(await carolOnA.waitFor('presence', (p) => p.userId === dave.id)).toEqual({ userId: dave.id, online: true, lastSeenAt: null });
    expect(await onlineAt(a, carol, dave.id)).toMatchObject({ online: true });
    expect(await onlineAt(b, dave, carol.id)).toMatchObject({ online: true });
    // Dave moves to A within the grace period: nobody is told anything.
    daveOnB.close();
    await sockets.open(a, dave);
    await carolOnA.nothing('presence', () => true, GRACE_MS + 500);
    expect(await onlineAt(b, carol, dave.id)).toMatchObject({ online: true });
  });

  it('messages, receipts, typing and chat:updated cross instances', async () => {
    const aliceOnA = await sockets.open(a, alice);
    const aliceOnB = await sockets.open(b, alice);
    const bobOnB = await sockets.open(b, bob);

    const sent = await aliceOnA.call('message:send', { chatId, clientId: randomUUID(), text: 'from A' });
    expect(sent.ok).toBe(true);
    expect(await bobOnB.waitFor('message:new', (m) => m.id === sent.data.id)).toEqual({ ...sent.data, status: null });
    expect(await aliceOnB.waitFor('message:new', (m) => m.id === sent.data.id)).toEqual(sent.data);
    await aliceOnA.nothing('message:new', (m) => m.id === sent.data.id);

    const reply = await bobOnB.call('message:send', { chatId, clientId: randomUUID(), text: 'from B' });
    expect(await aliceOnA.waitFor('message:new', (m) => m.id === reply.data.id)).toMatchObject({ text: 'from B', status: null });

    expect(await bobOnB.call('message:read', { chatId, seq: sent.data.seq })).toEqual({ ok: true, data: null });
    expect(await aliceOnA.waitFor('receipt', (r) => r.userId === bob.id && r.type === 'read')).toEqual({
      chatId,
      userId: bob.id,
      type: 'read',
      seq: sent.data.seq,
    });

    expect(await bobOnB.call('typing', { chatId, isTyping: true })).toEqual({ ok: true, data: null });
    expect(await aliceOnA.waitFor('typing')).toEqual({ chatId, userId: bob.id, isTyping: true });
    await bobOnB.nothing('typing', () => true, 0);

    const group = await a.api.createChat(alice, { type: 'group', title: 'cross', memberIds: [bob.id] });
    expect(group.status).toBe(201);
    expect(await bobOnB.waitFor('chat:updated', (c) => c.id === group.body.id)).toMatchObject({ title: 'cross', memberCount: 2 });
  });

  it('logout on A disconnects that session’s sockets on B', async () => {
    const { accessToken } = await a.api.newSession(bob);
    const onB = await sockets.open(b, accessToken);
    const keep = await sockets.open(b, bob);
    const closed = onB.disconnected();
    expect((await a.api.logout({ auth: bearer(accessToken) })).status).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect(keep.socket.connected).toBe(true);
  });

  it('offline after the grace period, seen the same from both instances', async () => {
    const [carol, dave] = await pair();
    const watcher = await sockets.open(a, carol);
    const daveSocket = await sockets.open(b, dave);
    await watcher.waitFor('presence', (p) => p.userId === dave.id && p.online);
    daveSocket.close();
    const offline = await watcher.waitFor('presence', (p) => p.userId === dave.id, 5000);
    expect(offline).toEqual({ userId: dave.id, online: false, lastSeenAt: anyString() });
    expect(await onlineAt(a, carol, dave.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
    expect(await onlineAt(b, carol, dave.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
  });

  it('a crashed instance does not keep its users online: a survivor takes over', async () => {
    const [carol, dave] = await pair();
    const watcher = await sockets.open(a, carol);
    await sockets.open(b, dave);
    await watcher.waitFor('presence', (p) => p.userId === dave.id && p.online);
    expect(await b.stop('SIGKILL')).toBe(null);
    // Heartbeat TTL (6 s) + one heartbeat (2 s) + the grace period, with some room.
    const offline = await watcher.waitFor('presence', (p) => p.userId === dave.id, 15_000);
    expect(offline).toEqual({ userId: dave.id, online: false, lastSeenAt: anyString() });
    expect(await onlineAt(a, carol, dave.id)).toMatchObject({ online: false });
    // Instance A still works.
    expect(
      await watcher.call('message:send', {
        chatId: ok(await a.api.chats(carol)).items[0].id,
        clientId: randomUUID(),
        text: 'still here',
      }),
    ).toMatchObject({ ok: true });
  }, 30_000);
});
