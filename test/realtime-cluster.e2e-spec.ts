import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { registerUser, TestUser } from './support/api';
import { createDatabase, dropDatabase, ServiceProcess, spawnService } from './support/service';
import { connectSocket, TestSocket } from './support/sockets';

// A database number of its own, so that these keys stay apart from anything else on this Redis.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';
const GRACE_MS = 800;

/** Two instances of the service on one database and one Redis: users on either see each other. */
describe('realtime across two instances (Redis adapter and shared presence)', () => {
  let databaseUrl: string;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const opened: TestSocket[] = [];
  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;

  beforeAll(async () => {
    databaseUrl = await createDatabase('cluster');
    const env = { DATABASE_URL: databaseUrl, REDIS_URL, PRESENCE_GRACE_MS: String(GRACE_MS) };
    a = await spawnService(env);
    b = await spawnService(env);
    alice = await registerUser(a.url);
    bob = await registerUser(b.url);
    const res = await request(a.url).post('/api/chats').set(alice.auth).send({ type: 'direct', userId: bob.id });
    expect(res.status).toBe(201);
    chatId = res.body.id;
  });

  afterAll(async () => {
    for (const s of opened) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  /** Two fresh users with a direct chat: presence tests do not hear each other. */
  async function pair(): Promise<[TestUser, TestUser]> {
    const [x, y] = [await registerUser(a.url), await registerUser(b.url)];
    const res = await request(a.url).post('/api/chats').set(x.auth).send({ type: 'direct', userId: y.id });
    expect(res.status).toBe(201);
    return [x, y];
  }

  async function open(service: ServiceProcess, token: string): Promise<TestSocket> {
    const socket = await connectSocket(service.url, token);
    opened.push(socket);
    return socket;
  }

  async function onlineAt(service: ServiceProcess, viewer: TestUser, userId: string) {
    const res = await request(service.url).get(`/api/users/${userId}`).set(viewer.auth);
    expect(res.status).toBe(200);
    return { online: res.body.online, lastSeenAt: res.body.lastSeenAt };
  }

  it('presence: a user connected to B is online on A too, and A’s users are told; a quick move to the other instance does not flap', async () => {
    const [carol, dave] = await pair();
    const carolOnA = await open(a, carol.accessToken);
    const daveOnB = await open(b, dave.accessToken);
    expect(await carolOnA.waitFor('presence', (p) => p.userId === dave.id)).toEqual({ userId: dave.id, online: true, lastSeenAt: null });
    expect(await onlineAt(a, carol, dave.id)).toMatchObject({ online: true });
    expect(await onlineAt(b, dave, carol.id)).toMatchObject({ online: true });
    // Dave moves to A within the grace period: nobody is told anything.
    daveOnB.close();
    await open(a, dave.accessToken);
    await carolOnA.nothing('presence', () => true, GRACE_MS + 500);
    expect(await onlineAt(b, carol, dave.id)).toMatchObject({ online: true });
  });

  it('messages, receipts, typing and chat:updated cross instances', async () => {
    const aliceOnA = await open(a, alice.accessToken);
    const aliceOnB = await open(b, alice.accessToken);
    const bobOnB = await open(b, bob.accessToken);

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

    const group = await request(a.url)
      .post('/api/chats')
      .set(alice.auth)
      .send({ type: 'group', title: 'cross', memberIds: [bob.id] });
    expect(group.status).toBe(201);
    expect(await bobOnB.waitFor('chat:updated', (c) => c.id === group.body.id)).toMatchObject({ title: 'cross', memberCount: 2 });
  });

  it('logout on A disconnects that session’s sockets on B', async () => {
    const login = await request(a.url).post('/api/auth/login').send({ username: bob.username, password: 'correct horse' });
    const token = login.body.accessToken;
    const onB = await open(b, token);
    const keep = await open(b, bob.accessToken);
    const closed = onB.disconnected();
    expect(
      (
        await request(a.url)
          .post('/api/auth/logout')
          .set({ Authorization: `Bearer ${token}` })
      ).status,
    ).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect(keep.socket.connected).toBe(true);
  });

  it('offline after the grace period, seen the same from both instances', async () => {
    const [carol, dave] = await pair();
    const watcher = await open(a, carol.accessToken);
    const daveSocket = await open(b, dave.accessToken);
    await watcher.waitFor('presence', (p) => p.userId === dave.id && p.online);
    daveSocket.close();
    const offline = await watcher.waitFor('presence', (p) => p.userId === dave.id, 5000);
    expect(offline).toEqual({ userId: dave.id, online: false, lastSeenAt: expect.any(String) });
    expect(await onlineAt(a, carol, dave.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
    expect(await onlineAt(b, carol, dave.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
  });

  it('a crashed instance does not keep its users online: a survivor takes over', async () => {
    const [carol, dave] = await pair();
    const watcher = await open(a, carol.accessToken);
    await open(b, dave.accessToken);
    await watcher.waitFor('presence', (p) => p.userId === dave.id && p.online);
    expect(await b.stop('SIGKILL')).toBe(null);
    // Heartbeat TTL (6 s) + one heartbeat (2 s) + the grace period, with some room.
    const offline = await watcher.waitFor('presence', (p) => p.userId === dave.id, 15_000);
    expect(offline).toEqual({ userId: dave.id, online: false, lastSeenAt: expect.any(String) });
    expect(await onlineAt(a, carol, dave.id)).toMatchObject({ online: false });
    // Instance A still works.
    expect(
      await watcher.call('message:send', {
        chatId: (await request(a.url).get('/api/chats').set(carol.auth)).body.items[0].id,
        clientId: randomUUID(),
        text: 'still here',
      }),
    ).toMatchObject({ ok: true });
  }, 30_000);
});
