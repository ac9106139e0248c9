import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { io } from 'socket.io-client';
import { registerUser, TestUser } from './support/api';
import { startTestService, TestService } from './support/service';
import { accessClaims, connectSocket, signToken, TestSocket } from './support/sockets';

const GRACE_MS = 800;

describe('realtime: socket.io (real service, real PostgreSQL)', () => {
  let svc: TestService;
  const opened: TestSocket[] = [];

  beforeAll(async () => {
    svc = await startTestService({ PRESENCE_GRACE_MS: String(GRACE_MS) });
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await svc?.close();
  });

  const api = () => request(svc.url);

  async function open(token: string): Promise<TestSocket> {
    const socket = await connectSocket(svc.url, token);
    opened.push(socket);
    return socket;
  }

  /** Another session (device) of the same user. */
  async function login(user: TestUser): Promise<string> {
    const res = await api().post('/api/auth/login').send({ username: user.username, password: 'correct horse' });
    expect(res.status).toBe(200);
    return res.body.accessToken;
  }

  async function directChat(a: TestUser, b: TestUser): Promise<string> {
    const res = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
    expect([200, 201]).toContain(res.status);
    return res.body.id;
  }

  async function groupChat(owner: TestUser, members: TestUser[], title = 'team'): Promise<string> {
    const res = await api()
      .post('/api/chats')
      .set(owner.auth)
      .send({ type: 'group', title, memberIds: members.map((m) => m.id) });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function send(socket: TestSocket, chatId: string, text: string) {
    const ack = await socket.call('message:send', { chatId, clientId: randomUUID(), text });
    expect(ack).toEqual({ ok: true, data: expect.objectContaining({ chatId, text }) });
    return ack.data;
  }

  /** Alice with two devices, Bob with one, and their direct chat. */
  async function pairWithTwoDevices() {
    const [alice, bob] = [await registerUser(svc.url), await registerUser(svc.url)];
    const chatId = await directChat(alice, bob);
    const a1 = await open(alice.accessToken);
    const a2 = await open(await login(alice));
    const b1 = await open(bob.accessToken);
    return { alice, bob, chatId, a1, a2, b1 };
  }

  describe('handshake', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(svc.url);
    });

    async function refused(token: string | undefined, auth?: Record<string, unknown>) {
      await expect(connectSocket(svc.url, token, auth)).rejects.toThrow(/^unauthorized$/);
    }

    it('accepts the access token of REST', async () => {
      const socket = await open(user.accessToken);
      expect(socket.socket.connected).toBe(true);
      const ack = await socket.call('messages:history', { chatId: randomUUID() });
      expect(ack.error?.code).toBe('CHAT_NOT_FOUND');
    });

    it('refuses no token, a malformed one and one that is not a string', async () => {
      await refused(undefined);
      await refused('not-a-jwt');
      await refused(undefined, { token: 12345 });
      await refused(undefined, { token: { nested: true } });
    });

    it('refuses a token signed with another secret and an expired token', async () => {
      const claims = accessClaims(user.accessToken);
      await refused(signToken({ ...claims }, 'another-secret-another-secret'));
      const now = Math.floor(Date.now() / 1000);
      await refused(signToken({ sub: claims.sub, sid: claims.sid, iat: now - 3600, exp: now - 60 }));
      // The same claims, not expired, are accepted: the expiry is what was refused.
      const fresh = await open(signToken({ sub: claims.sub, sid: claims.sid, iat: now, exp: now + 600 }));
      expect(fresh.socket.connected).toBe(true);
    });

    it('refuses the token of a logged-out session', async () => {
      const token = await login(user);
      expect(
        (
          await api()
            .post('/api/auth/logout')
            .set({ Authorization: `Bearer ${token}` })
        ).status,
      ).toBe(204);
      await refused(token);
    });
  });

  describe('messages', () => {
    it('message:send: acked after the commit; the peer gets status null, the other device the sender’s view, the sending socket nothing', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      const clientId = randomUUID();
      const ack = await a1.call('message:send', { chatId, clientId, text: 'hello' });
      expect(ack.ok).toBe(true);
      expect(ack.data).toMatchObject({
        chatId,
        seq: 1,
        senderId: alice.id,
        type: 'text',
        text: 'hello',
        clientId,
        status: 'sent',
        deleted: false,
      });
      // Durable by the time of the ack.
      const stored = await svc.db.query('SELECT text FROM messages WHERE id = $1', [ack.data.id]);
      expect(stored.rows).toEqual([{ text: 'hello' }]);

      const onOtherDevice = await a2.waitFor('message:new', (m) => m.id === ack.data.id);
      expect(onOtherDevice).toEqual(ack.data);
      const atPeer = await b1.waitFor('message:new', (m) => m.id === ack.data.id);
      expect(atPeer).toEqual({ ...ack.data, status: null });
      await a1.nothing('message:new');
    });

    it('a retry with the same clientId answers the first message and announces nothing new', async () => {
      const { chatId, a1, b1 } = await pairWithTwoDevices();
      const clientId = randomUUID();
      const first = await a1.call('message:send', { chatId, clientId, text: 'once' });
      const again = await a1.call('message:send', { chatId, clientId, text: 'once' });
      expect(again).toEqual({ ok: true, data: first.data });
      await b1.waitFor('message:new', (m) => m.id === first.data.id);
      await b1.nothing('message:new');
    });

    it('a message sent over REST reaches every socket of every member', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      const res = await api().post(`/api/chats/${chatId}/messages`).set(alice.auth).send({ clientId: randomUUID(), text: 'via rest' });
      expect(res.status).toBe(201);
      for (const s of [a1, a2]) expect(await s.waitFor('message:new', (m) => m.id === res.body.id)).toMatchObject({ status: 'sent' });
      expect(await b1.waitFor('message:new', (m) => m.id === res.body.id)).toMatchObject({ status: null, text: 'via rest' });
    });

    it('messages sent in a row on one socket get seqs in that order', async () => {
      const { chatId, a1 } = await pairWithTwoDevices();
      const acks = await Promise.all(
        ['1', '2', '3', '4', '5'].map((text) => a1.call('message:send', { chatId, clientId: randomUUID(), text })),
      );
      expect(acks.map((a) => [a.data.text, a.data.seq])).toEqual([
        ['1', 1],
        ['2', 2],
        ['3', 3],
        ['4', 4],
        ['5', 5],
      ]);
    });

    it('receipts: delivered and read reach the sender’s sockets live', async () => {
      const { alice, bob, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      const message = await send(a1, chatId, 'did you get it?');
      await b1.waitFor('message:new', (m) => m.id === message.id);

      expect(await b1.call('message:delivered', { chatId, seq: message.seq })).toEqual({ ok: true, data: null });
      const delivered = { chatId, userId: bob.id, type: 'delivered', seq: message.seq };
      expect(await a1.waitFor('receipt', (r) => r.type === 'delivered')).toEqual(delivered);
      expect(await a2.waitFor('receipt', (r) => r.type === 'delivered')).toEqual(delivered);

      expect(await b1.call('message:read', { chatId, seq: message.seq })).toEqual({ ok: true, data: null });
      expect(await a1.waitFor('receipt', (r) => r.type === 'read')).toEqual({ ...delivered, type: 'read' });
      const history = await api().get(`/api/chats/${chatId}/messages`).set(alice.auth);
      expect(history.body.items.at(-1)).toMatchObject({ id: message.id, status: 'read' });

      // Cursors only move forward: a lower value is accepted and tells nobody.
      expect(await b1.call('message:read', { chatId, seq: 0 })).toEqual({ ok: true, data: null });
      await a1.nothing('receipt', (r) => r.userId === bob.id);
    });

    it('message:edit and message:delete (everyone) send message:updated; delete for me tells nobody', async () => {
      const { chatId, a1, a2, b1 } = await pairWithTwoDevices();
      const message = await send(a1, chatId, 'typo');
      const edited = await a1.call('message:edit', { chatId, seq: message.seq, text: 'fixed' });
      expect(edited).toEqual({
        ok: true,
        data: expect.objectContaining({ id: message.id, text: 'fixed', editedAt: expect.any(String), status: 'sent' }),
      });
      expect(await b1.waitFor('message:updated', (m) => m.text === 'fixed')).toEqual({ ...edited.data, status: null });
      expect(await a2.waitFor('message:updated', (m) => m.text === 'fixed')).toEqual(edited.data);
      await a1.nothing('message:updated');

      expect(await b1.call('message:delete', { chatId, seq: message.seq, scope: 'me' })).toEqual({ ok: true, data: null });
      await a1.nothing('message:updated');

      expect(await a1.call('message:delete', { chatId, seq: message.seq, scope: 'everyone' })).toEqual({ ok: true, data: null });
      const tombstone = await a2.waitFor('message:updated', (m) => m.deleted);
      expect(tombstone).toMatchObject({ id: message.id, deleted: true, text: null, attachments: [] });

      const other = await send(a1, chatId, 'mine only');
      expect(await b1.call('message:edit', { chatId, seq: other.seq, text: 'hijack' })).toMatchObject({
        ok: false,
        error: { statusCode: 403, code: 'FORBIDDEN' },
      });
      expect(await b1.call('message:delete', { chatId, seq: other.seq })).toEqual({ ok: true, data: null }); // scope defaults to "me"
    });

    it('message:forward copies into another chat and announces each copy', async () => {
      const { alice, bob, chatId, a1, b1 } = await pairWithTwoDevices();
      const carol = await registerUser(svc.url);
      const target = await directChat(alice, carol);
      const c1 = await open(carol.accessToken);
      const m1 = await send(a1, chatId, 'one');
      const m2 = await send(a1, chatId, 'two');
      const ack = await a1.call('message:forward', { chatId: target, fromChatId: chatId, seqs: [m2.seq, m1.seq] });
      expect(ack.ok).toBe(true);
      expect(ack.data.items.map((m: any) => [m.text, m.forwardedFrom])).toEqual([
        ['one', { chatId, seq: m1.seq, senderId: alice.id }],
        ['two', { chatId, seq: m2.seq, senderId: alice.id }],
      ]);
      for (const item of ack.data.items) expect(await c1.waitFor('message:new', (m) => m.id === item.id)).toMatchObject({ status: null });
      await b1.nothing('message:new', (m) => m.chatId === target);
      expect(await a1.call('message:forward', { chatId: target, fromChatId: randomUUID(), seqs: [1] })).toMatchObject({
        ok: false,
        error: { statusCode: 404 },
      });
      expect(bob.id).toBeDefined();
    });

    it('messages:history answers { items, hasMore } as over REST', async () => {
      const { chatId, a1, b1 } = await pairWithTwoDevices();
      for (const text of ['a', 'b', 'c']) await send(a1, chatId, text);
      const page = await b1.call('messages:history', { chatId, limit: 2 });
      expect(page.ok).toBe(true);
      expect(page.data.hasMore).toBe(true);
      expect(page.data.items.map((m: any) => [m.seq, m.text, m.status])).toEqual([
        [2, 'b', null],
        [3, 'c', null],
      ]);
      const after = await a1.call('messages:history', { chatId, after: 1 });
      expect(after.data).toEqual({
        items: [expect.objectContaining({ seq: 2, status: expect.any(String) }), expect.objectContaining({ seq: 3 })],
        hasMore: false,
      });
      expect(await a1.call('messages:history', { chatId, before: 3, after: 1 })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      expect(await a1.call('messages:history', { chatId, limit: 101 })).toMatchObject({ ok: false, error: { statusCode: 400 } });
    });

    it('a command over the socket answers the command result', async () => {
      const { chatId, a1 } = await pairWithTwoDevices();
      const ack = await a1.call('message:send', { chatId, clientId: randomUUID(), text: '/help' });
      expect(ack).toMatchObject({ ok: true, data: { type: 'command', command: 'help', message: null } });
      expect(await a1.call('message:send', { chatId, clientId: randomUUID(), text: '/nope' })).toMatchObject({
        ok: false,
        error: { statusCode: 400, code: 'UNKNOWN_COMMAND' },
      });
    });

    it('service errors come back in the ack with the contract’s codes', async () => {
      const { chatId, a1 } = await pairWithTwoDevices();
      const stranger = await open((await registerUser(svc.url)).accessToken);
      const notFound = await stranger.call('message:send', { chatId, clientId: randomUUID(), text: 'hi' });
      expect(notFound).toEqual({ ok: false, error: { statusCode: 404, code: 'CHAT_NOT_FOUND', message: expect.any(String) } });
      expect(await a1.call('message:send', { chatId, clientId: randomUUID(), text: 'x'.repeat(4097) })).toMatchObject({
        ok: false,
        error: { statusCode: 400, code: 'MESSAGE_TOO_LONG' },
      });
      expect(await a1.call('message:edit', { chatId, seq: 999, text: 'x' })).toMatchObject({
        ok: false,
        error: { statusCode: 404, code: 'MESSAGE_NOT_FOUND' },
      });
    });
  });

  describe('chats', () => {
    it('chat:pin tells the user’s other devices (chat:updated with its own summary), nobody else', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      expect(await a1.call('chat:pin', { chatId, pinned: true })).toEqual({ ok: true, data: null });
      const summary = await a2.waitFor('chat:updated', (c) => c.id === chatId);
      expect(summary).toMatchObject({
        id: chatId,
        type: 'direct',
        pinned: true,
        pinnedAt: expect.any(String),
        peer: expect.objectContaining({ username: expect.any(String) }),
      });
      await a1.nothing('chat:updated');
      await b1.nothing('chat:updated');
      const list = await api().get('/api/chats').set(alice.auth);
      expect(list.body.items[0]).toMatchObject({ id: chatId, pinned: true });

      expect(await a1.call('chat:pin', { chatId, pinned: false })).toEqual({ ok: true, data: null });
      expect(await a2.waitFor('chat:updated', (c) => c.id === chatId)).toMatchObject({ pinned: false, pinnedAt: null });
    });

    it('chat:delete removes the chat on the user’s other devices only', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      await send(a1, chatId, 'before');
      expect(await a1.call('chat:delete', { chatId })).toEqual({ ok: true, data: null });
      expect(await a2.waitFor('chat:removed')).toEqual({ chatId });
      await a1.nothing('chat:removed');
      await b1.nothing('chat:removed');
      const list = await api().get('/api/chats').set(alice.auth);
      expect(list.body.items.map((c: any) => c.id)).not.toContain(chatId);
      expect(await a1.call('chat:delete', { chatId: randomUUID() })).toMatchObject({
        ok: false,
        error: { statusCode: 404, code: 'CHAT_NOT_FOUND' },
      });
    });

    it('creating a chat and adding a member reach the members at once with chat:updated; a removed member gets chat:removed and no more events', async () => {
      const [alice, bob, carol] = [await registerUser(svc.url), await registerUser(svc.url), await registerUser(svc.url)];
      const [a1, b1, c1] = [await open(alice.accessToken), await open(bob.accessToken), await open(carol.accessToken)];

      const direct = await directChat(alice, bob);
      expect(await b1.waitFor('chat:updated', (c) => c.id === direct)).toMatchObject({
        type: 'direct',
        peer: expect.objectContaining({ id: alice.id }),
      });
      expect(await a1.waitFor('chat:updated', (c) => c.id === direct)).toMatchObject({ peer: expect.objectContaining({ id: bob.id }) });

      const group = await groupChat(alice, [bob], 'plans');
      const bobsView = await b1.waitFor('chat:updated', (c) => c.id === group);
      expect(bobsView).toMatchObject({ type: 'group', title: 'plans', memberCount: 2, pinned: false });
      await b1.waitFor('message:new', (m) => m.chatId === group && m.type === 'system');
      await c1.nothing('chat:updated', (c) => c.id === group, 100);

      const added = await api()
        .post(`/api/chats/${group}/members`)
        .set(alice.auth)
        .send({ userIds: [carol.id] });
      expect(added.status).toBe(200);
      expect(await c1.waitFor('chat:updated', (c) => c.id === group)).toMatchObject({ title: 'plans', memberCount: 3 });
      expect(await b1.waitFor('chat:updated', (c) => c.id === group && c.memberCount === 3)).toBeTruthy();

      const removed = await api().delete(`/api/chats/${group}/members/${carol.id}`).set(alice.auth);
      expect(removed.status).toBe(204);
      expect(await c1.waitFor('chat:removed')).toEqual({ chatId: group });
      const after = await send(a1, group, 'carol is gone');
      await b1.waitFor('message:new', (m) => m.id === after.id);
      await c1.nothing('message:new', (m) => m.id === after.id);
      expect(await c1.call('typing', { chatId: group, isTyping: true })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
    });
  });

  describe('typing', () => {
    it('goes to the other members, not to the typer’s own sockets', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      expect(await a1.call('typing', { chatId, isTyping: true })).toEqual({ ok: true, data: null });
      expect(await b1.waitFor('typing')).toEqual({ chatId, userId: alice.id, isTyping: true });
      expect(await a1.call('typing', { chatId, isTyping: false })).toEqual({ ok: true, data: null });
      expect(await b1.waitFor('typing')).toEqual({ chatId, userId: alice.id, isTyping: false });
      await a2.nothing('typing');
      await a1.nothing('typing');
    });

    it('is refused to a non-member with 404, and a non-boolean with 400', async () => {
      const { chatId, a1 } = await pairWithTwoDevices();
      const stranger = await open((await registerUser(svc.url)).accessToken);
      expect(await stranger.call('typing', { chatId, isTyping: true })).toMatchObject({
        ok: false,
        error: { statusCode: 404, code: 'CHAT_NOT_FOUND' },
      });
      expect(await a1.call('typing', { chatId, isTyping: 'yes' })).toMatchObject({
        ok: false,
        error: { statusCode: 400, code: 'VALIDATION_FAILED' },
      });
    });
  });

  describe('bad payloads', () => {
    const MEGABYTE = 'x'.repeat(1_000_000);
    const uuid = randomUUID();
    const badFor: Record<string, unknown[]> = {
      'message:send': [
        { chatId: uuid, clientId: 'nope', text: 'x' },
        { chatId: uuid, clientId: uuid, text: 5 },
        { chatId: uuid, clientId: uuid, attachmentIds: 'a' },
        { chatId: uuid, clientId: uuid, text: MEGABYTE },
      ],
      'message:edit': [
        { chatId: uuid, seq: '1', text: 'x' },
        { chatId: uuid, seq: 0, text: 'x' },
        { chatId: uuid, seq: 1, text: MEGABYTE },
      ],
      'message:delete': [
        { chatId: uuid, seq: 1, scope: 'all' },
        { chatId: uuid, seq: -1 },
      ],
      'message:forward': [
        { chatId: uuid, fromChatId: uuid, seqs: [] },
        { chatId: uuid, fromChatId: uuid, seqs: Array(101).fill(1) },
        { chatId: uuid, fromChatId: 7, seqs: [1] },
      ],
      'message:delivered': [{ chatId: uuid, seq: 1.5 }, { chatId: uuid }],
      'message:read': [
        { chatId: uuid, seq: 'x' },
        { chatId: uuid, seq: 2 ** 31 },
      ],
      'messages:history': [
        { chatId: uuid, limit: 0 },
        { chatId: uuid, before: 'abc' },
      ],
      'chat:pin': [{ chatId: uuid, pinned: 'true' }, { chatId: uuid }],
      'chat:delete': [{ chatId: MEGABYTE }, { id: uuid }],
      typing: [
        { chatId: uuid, isTyping: 1 },
        { chatId: uuid, isTyping: true, extra: MEGABYTE },
      ],
    };
    const everyType = ['a string', null, 42, true, [1, 2], [], {}, { chatId: 123 }, { chatId: uuid, unexpected: 1 }];

    let user: TestUser;
    let chatId: string;
    let socket: TestSocket;
    beforeAll(async () => {
      user = await registerUser(svc.url);
      chatId = await directChat(user, await registerUser(svc.url));
      socket = await open(user.accessToken);
    });

    it.each(Object.keys(badFor))('%s: every bad payload is answered ok:false with a 4xx, and the socket keeps working', async (event) => {
      for (const payload of [...everyType, ...badFor[event]]) {
        const ack = await socket.call(event, payload);
        if (ack.ok !== false || !(ack.error!.statusCode >= 400 && ack.error!.statusCode < 500) || typeof ack.error!.code !== 'string') {
          throw new Error(`${event} ${JSON.stringify(payload).slice(0, 100)} → ${JSON.stringify(ack)}`);
        }
        expect(typeof ack.error!.message).toBe('string');
        expect(ack.error!.message.length).toBeLessThan(1000);
      }
      // No payload at all, and two payloads.
      expect(await socket.call(event)).toMatchObject({ ok: false, error: { statusCode: 400 } });
      expect(await socket.call(event, { chatId }, { chatId })).toMatchObject({ ok: false, error: { statusCode: 400 } });
      expect(socket.socket.connected).toBe(true);
      expect(await socket.call('messages:history', { chatId })).toMatchObject({ ok: true, data: { items: [], hasMore: false } });
    });

    it('an event without an ack callback is still carried out, and crashes nothing', async () => {
      const peer = await registerUser(svc.url);
      const chat = await directChat(user, peer);
      const p1 = await open(peer.accessToken);
      socket.socket.emit('message:send', { chatId: chat, clientId: randomUUID(), text: 'fire and forget' });
      await p1.waitFor('message:new', (m) => m.text === 'fire and forget');
      socket.socket.emit('message:send', 'garbage');
      socket.socket.emit('typing');
      socket.socket.emit('chat:pin', null);
      expect(await socket.call('message:send', { chatId: chat, clientId: randomUUID(), text: 'still here' })).toMatchObject({ ok: true });
    });

    it('an unknown event is answered 400 UNKNOWN_EVENT', async () => {
      expect(await socket.call('message:explode', { chatId })).toMatchObject({
        ok: false,
        error: { statusCode: 400, code: 'UNKNOWN_EVENT' },
      });
    });

    it('a frame above 1 MiB closes only that connection; the service stays up', async () => {
      const victim = await open(user.accessToken);
      const closed = victim.disconnected();
      victim.socket.emit('typing', { chatId, isTyping: true, pad: 'x'.repeat(1_100_000) });
      expect(await closed).toBe('transport close');
      expect(await socket.call('messages:history', { chatId })).toMatchObject({ ok: true });
    });
  });

  describe('logout', () => {
    it('disconnects the sockets of that session only', async () => {
      const alice = await registerUser(svc.url);
      const other = await login(alice);
      const keep = await open(alice.accessToken);
      const gone1 = await open(other);
      const gone2 = await open(other);
      const closed = Promise.all([gone1.disconnected(), gone2.disconnected()]);
      expect(
        (
          await api()
            .post('/api/auth/logout')
            .set({ Authorization: `Bearer ${other}` })
        ).status,
      ).toBe(204);
      expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
      expect(keep.socket.connected).toBe(true);
      expect(await keep.call('messages:history', { chatId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
      await expect(connectSocket(svc.url, other)).rejects.toThrow('unauthorized');
    });
  });

  describe('presence', () => {
    async function presenceOf(viewer: TestUser, userId: string) {
      const res = await api().get(`/api/users/${userId}`).set(viewer.auth);
      expect(res.status).toBe(200);
      return { online: res.body.online, lastSeenAt: res.body.lastSeenAt };
    }

    it('online on connect; a quick reconnect does not flap; offline with lastSeenAt after the grace period', async () => {
      const [carol, dave, eve] = [await registerUser(svc.url), await registerUser(svc.url), await registerUser(svc.url)];
      await directChat(carol, dave);
      const d1 = await open(dave.accessToken);
      const e1 = await open(eve.accessToken); // shares no chat with carol: hears nothing

      expect(await presenceOf(dave, carol.id)).toEqual({ online: false, lastSeenAt: null });
      const c1 = await open(carol.accessToken);
      expect(await d1.waitFor('presence', (p) => p.userId === carol.id)).toEqual({ userId: carol.id, online: true, lastSeenAt: null });
      expect(await presenceOf(dave, carol.id)).toEqual({ online: true, lastSeenAt: null });

      // A second device, and a quick reconnect of the first: nobody is told anything.
      const c2 = await open(await login(carol));
      c1.close();
      const c3 = await open(carol.accessToken);
      c2.close();
      await d1.nothing('presence', (p) => p.userId === carol.id, GRACE_MS + 500);
      expect(await presenceOf(dave, carol.id)).toMatchObject({ online: true });

      const before = Date.now();
      c3.close();
      // Still online during the grace period.
      expect(await presenceOf(dave, carol.id)).toMatchObject({ online: true });
      const offline = await d1.waitFor('presence', (p) => p.userId === carol.id, 5000);
      expect(offline).toEqual({ userId: carol.id, online: false, lastSeenAt: expect.any(String) });
      const lastSeen = Date.parse(offline.lastSeenAt ?? "");
      expect(lastSeen).toBeGreaterThanOrEqual(before - 1000);
      expect(lastSeen).toBeLessThanOrEqual(Date.now());
      expect(await presenceOf(dave, carol.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
      const listed = await api().get(`/api/presence?userIds=${carol.id}`).set(dave.auth);
      expect(listed.body).toEqual({ items: [{ userId: carol.id, online: false, lastSeenAt: offline.lastSeenAt }] });

      // Back online: told again, with the stored lastSeenAt.
      await open(carol.accessToken);
      expect(await d1.waitFor('presence', (p) => p.userId === carol.id)).toEqual({
        userId: carol.id,
        online: true,
        lastSeenAt: offline.lastSeenAt,
      });
      await e1.nothing('presence', () => true, 100);
    });
  });

  describe('reconnect', () => {
    it('a client that was offline catches up with GET /api/chats and the history after its seq', async () => {
      const [alice, bob] = [await registerUser(svc.url), await registerUser(svc.url)];
      const chatId = await directChat(alice, bob);
      const a1 = await open(alice.accessToken);
      let b1 = await open(bob.accessToken);
      const first = await send(a1, chatId, 'first');
      await b1.waitFor('message:new', (m) => m.id === first.id);
      const known = new Map<string, number>([[chatId, first.seq]]);

      b1.close();
      const missed = [];
      for (const text of ['while', 'you', 'were away']) missed.push(await send(a1, chatId, text));
      const carol = await registerUser(svc.url);
      const newChat = await groupChat(carol, [bob], 'new while away');

      b1 = await open(bob.accessToken);
      const chats = await api().get('/api/chats').set(bob.auth);
      expect(chats.status).toBe(200);
      const fetched = new Map<string, string[]>();
      for (const chat of chats.body.items) {
        const have = known.get(chat.id) ?? 0;
        if (chat.lastSeq <= have) continue;
        const page = await api().get(`/api/chats/${chat.id}/messages?after=${have}&limit=100`).set(bob.auth);
        expect(page.status).toBe(200);
        expect(page.body.hasMore).toBe(false);
        fetched.set(
          chat.id,
          page.body.items.map((m: any) => m.text),
        );
      }
      expect(fetched.get(chatId)).toEqual(missed.map((m) => m.text));
      expect(fetched.get(newChat)).toHaveLength(1); // the system message "created"
      expect(fetched.size).toBe(2);
    });
  });

  it('the socket.io server sends no client bundle and speaks only to valid handshakes', async () => {
    const res = await api().get('/socket.io/socket.io.js');
    expect(res.status).not.toBe(200);
    // A polling client is refused the same way as a websocket one.
    const socket = io(svc.url, { transports: ['polling'], reconnection: false, forceNew: true, auth: { token: 'bad' } });
    const message = await new Promise<string>((resolve) => socket.once('connect_error', (err) => resolve(err.message)));
    socket.close();
    expect(message).toBe('unauthorized');
  });
});
