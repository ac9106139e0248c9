import { randomUUID } from 'node:crypto';
import { bearer, Caller, ok, TestUser } from '../support/api';
import type { ErrorResponseDto } from '../support/contract';
import { anyString } from '../support/matchers';
import { useService } from '../support/service';
import { accessClaims, connectSocket, signToken, useSockets } from '../support/sockets';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
/** What this spec reads of an answer: the error body's fields. */
type Answer = Partial<ErrorResponseDto>;

interface Route {
  name: string;
  method: Method;
  path: string;
  body?: object;
}

/**
 * For a chat, a message and an attachment a user may not see, every REST route and socket event
 * answers 404 (403 where a member lacks a right); and tokens that are not valid are refused
 * everywhere: 401 on REST, `connect_error` "unauthorized" on sockets.
 */
describe('authorization matrix', () => {
  const svc = useService();
  const { api } = svc;
  const sockets = useSockets();
  let alice: TestUser; // owner of the group
  let bob: TestUser; // a plain member
  let eve: TestUser; // an outsider
  let groupId: string;
  let directId: string; // alice ↔ bob
  let eveChatId: string; // eve's own chat, with its message 1
  let attachmentId: string;
  let seq: number; // alice's message in the group, carrying the attachment
  let systemSeq: number;

  const call = (r: Route, user: Caller) =>
    r.method === 'get' || r.method === 'delete' ? api[r.method]<Answer>(r.path, user) : api[r.method]<Answer>(r.path, user, r.body);

  beforeAll(async () => {
    let carol: TestUser;
    [alice, bob, eve, carol] = await api.newUsers(4);
    const group = await api.newGroup(alice, [bob, carol], 'private');
    groupId = group.id;
    systemSeq = group.lastSeq;
    directId = (await api.newDirect(alice, bob)).id;
    eveChatId = (await api.newDirect(eve, carol)).id;
    expect((await api.send(eve, eveChatId, { text: 'eve' })).status).toBe(201);
    const upload = await api.upload(alice, Buffer.from('secret bytes'), 'secret.txt', 'text/plain');
    attachmentId = upload.body.id;
    const msg = await api.send(alice, groupId, { text: 'secret', attachmentIds: [attachmentId] });
    expect(msg.status).toBe(201);
    seq = msg.body.seq;
  });

  /** Every chat-scoped REST route, for a chat `id` and message `s`. */
  function chatRoutes(id: string, s: number, forwardFrom: string, forwardInto: string): Route[] {
    return [
      { name: 'GET chat', method: 'get', path: `/api/chats/${id}` },
      { name: 'PATCH chat', method: 'patch', path: `/api/chats/${id}`, body: { title: 'mine now' } },
      { name: 'POST members', method: 'post', path: `/api/chats/${id}/members`, body: { userIds: [eve.id] } },
      { name: 'DELETE member (other)', method: 'delete', path: `/api/chats/${id}/members/${alice.id}` },
      { name: 'DELETE member (self)', method: 'delete', path: `/api/chats/${id}/members/${eve.id}` },
      { name: 'PUT pin', method: 'put', path: `/api/chats/${id}/pin` },
      { name: 'DELETE pin', method: 'delete', path: `/api/chats/${id}/pin` },
      { name: 'DELETE chat', method: 'delete', path: `/api/chats/${id}` },
      { name: 'POST read', method: 'post', path: `/api/chats/${id}/read`, body: { seq: s } },
      { name: 'POST delivered', method: 'post', path: `/api/chats/${id}/delivered`, body: { seq: s } },
      { name: 'GET history', method: 'get', path: `/api/chats/${id}/messages` },
      { name: 'GET history after', method: 'get', path: `/api/chats/${id}/messages?after=0` },
      { name: 'POST message', method: 'post', path: `/api/chats/${id}/messages`, body: { clientId: randomUUID(), text: 'hi' } },
      { name: 'POST command', method: 'post', path: `/api/chats/${id}/messages`, body: { clientId: randomUUID(), text: '/who' } },
      { name: 'POST /leave', method: 'post', path: `/api/chats/${id}/messages`, body: { clientId: randomUUID(), text: '/leave' } },
      {
        name: 'POST forward into',
        method: 'post',
        path: `/api/chats/${id}/messages/forward`,
        body: { fromChatId: forwardFrom, seqs: [1] },
      },
      {
        name: 'POST forward out of',
        method: 'post',
        path: `/api/chats/${forwardInto}/messages/forward`,
        body: { fromChatId: id, seqs: [s] },
      },
      { name: 'PATCH message', method: 'patch', path: `/api/chats/${id}/messages/${s}`, body: { text: 'edited' } },
      { name: 'DELETE message (me)', method: 'delete', path: `/api/chats/${id}/messages/${s}` },
      { name: 'DELETE message (everyone)', method: 'delete', path: `/api/chats/${id}/messages/${s}?scope=everyone` },
      { name: 'GET receipts', method: 'get', path: `/api/chats/${id}/messages/${s}/receipts` },
    ];
  }

  it('an outsider gets 404 CHAT_NOT_FOUND on every chat route, the same as for a chat that does not exist', async () => {
    const hidden = [...chatRoutes(groupId, seq, eveChatId, eveChatId), ...chatRoutes(directId, 1, eveChatId, eveChatId)];
    const missing = chatRoutes(randomUUID(), seq, eveChatId, eveChatId);
    const answers: string[] = [];
    for (const r of [...hidden, ...missing]) {
      const res = await call(r, eve);
      answers.push(`${r.name} ${r.path}: ${res.status} ${res.body?.code}`);
      expect({ route: r.name, status: res.status, code: res.body?.code }).toEqual({ route: r.name, status: 404, code: 'CHAT_NOT_FOUND' });
    }
    expect(answers).toHaveLength(hidden.length + missing.length);
    // Nothing changed: still the same members, title and messages.
    const chat = await api.chat(alice, groupId);
    expect(chat.body).toMatchObject({ title: 'private', memberCount: 3, lastSeq: seq });
    const history = await api.receipts(alice, groupId, seq);
    expect(history.status).toBe(200);
    const msg = await api.history(alice, groupId, { after: seq - 1 });
    expect(msg.body.items[0]).toMatchObject({ text: 'secret', deleted: false, editedAt: null });
  });

  it('an attachment of someone else’s chat is 404 ATTACHMENT_NOT_FOUND: download, HEAD, delete, attach', async () => {
    for (const id of [attachmentId, randomUUID()]) {
      const get = await api.get<Answer>(`/api/attachments/${id}`, eve);
      expect([get.status, get.body.code]).toEqual([404, 'ATTACHMENT_NOT_FOUND']);
      expect((await api.request().head(`/api/attachments/${id}`).set(eve.auth)).status).toBe(404);
      const del = await api.delete<Answer>(`/api/attachments/${id}`, eve);
      expect([del.status, del.body.code]).toEqual([404, 'ATTACHMENT_NOT_FOUND']);
      const attach = await api.post<Answer>(`/api/chats/${eveChatId}/messages`, eve, {
        clientId: randomUUID(),
        text: 'x',
        attachmentIds: [id],
      });
      expect([attach.status, attach.body.code]).toEqual([404, 'ATTACHMENT_NOT_FOUND']);
    }
    // A member may download it, but not delete it (uploader only; same 404).
    expect((await api.get(`/api/attachments/${attachmentId}`, bob)).status).toBe(200);
    const del = await api.delete<Answer>(`/api/attachments/${attachmentId}`, bob);
    expect([del.status, del.body.code]).toEqual([404, 'ATTACHMENT_NOT_FOUND']);
  });

  it('a member without the right gets 403 FORBIDDEN where the contract says so', async () => {
    const forbidden: Route[] = [
      { name: 'rename group', method: 'patch', path: `/api/chats/${groupId}`, body: { title: 'bob’s' } },
      { name: 'add members', method: 'post', path: `/api/chats/${groupId}/members`, body: { userIds: [eve.id] } },
      { name: 'remove the owner', method: 'delete', path: `/api/chats/${groupId}/members/${alice.id}` },
      { name: 'edit another’s message', method: 'patch', path: `/api/chats/${groupId}/messages/${seq}`, body: { text: 'mine' } },
      { name: 'edit a system message', method: 'patch', path: `/api/chats/${groupId}/messages/${systemSeq}`, body: { text: 'x' } },
      { name: 'delete another’s for everyone', method: 'delete', path: `/api/chats/${groupId}/messages/${seq}?scope=everyone` },
      { name: '/title', method: 'post', path: `/api/chats/${groupId}/messages`, body: { clientId: randomUUID(), text: '/title hijacked' } },
      {
        name: '/kick',
        method: 'post',
        path: `/api/chats/${groupId}/messages`,
        body: { clientId: randomUUID(), text: `/kick @${alice.username}` },
      },
    ];
    for (const r of forbidden) {
      const res = await call(r, bob);
      expect({ route: r.name, status: res.status, code: res.body?.code }).toEqual({ route: r.name, status: 403, code: 'FORBIDDEN' });
    }
    expect((await api.chat(alice, groupId)).body).toMatchObject({ title: 'private', memberCount: 3 });
  });

  it('every socket event about a hidden chat is answered 404, and the outsider hears nothing of it', async () => {
    const eveSocket = await sockets.open(svc, eve);
    for (const chatId of [groupId, directId, randomUUID()]) {
      const events: Array<[string, object]> = [
        ['message:send', { chatId, clientId: randomUUID(), text: 'hi' }],
        ['message:send', { chatId, clientId: randomUUID(), text: '/who' }],
        ['message:edit', { chatId, seq, text: 'x' }],
        ['message:delete', { chatId, seq, scope: 'me' }],
        ['message:delete', { chatId, seq, scope: 'everyone' }],
        ['message:forward', { chatId, fromChatId: eveChatId, seqs: [1] }],
        ['message:forward', { chatId: eveChatId, fromChatId: chatId, seqs: [seq] }],
        ['message:delivered', { chatId, seq: 1 }],
        ['message:read', { chatId, seq: 1 }],
        ['messages:history', { chatId }],
        ['messages:history', { chatId, after: 0 }],
        ['chat:pin', { chatId, pinned: true }],
        ['chat:delete', { chatId }],
        ['typing', { chatId, isTyping: true }],
      ];
      for (const [event, payload] of events) {
        const ack = await eveSocket.call(event, payload);
        expect({ event, ack }).toEqual({
          event,
          ack: { ok: false, error: { statusCode: 404, code: 'CHAT_NOT_FOUND', message: anyString() } },
        });
      }
    }
    // Activity in the hidden chats reaches its members, never the outsider.
    const bobSocket = await sockets.open(svc, bob);
    const aliceSocket = await sockets.open(svc, alice);
    const sent = await aliceSocket.call('message:send', { chatId: groupId, clientId: randomUUID(), text: 'members only' });
    await aliceSocket.call('typing', { chatId: groupId, isTyping: true });
    await aliceSocket.call('message:edit', { chatId: groupId, seq: sent.data.seq, text: 'members only!' });
    await bobSocket.waitFor('message:updated', (m) => m.id === sent.data.id);
    const leaks = (p: unknown) => JSON.stringify(p ?? null).includes(groupId);
    await eveSocket.nothing('message:new', leaks, 0);
    await eveSocket.nothing('message:updated', leaks, 0);
    await eveSocket.nothing('typing', leaks, 0);
    await eveSocket.nothing('receipt', leaks, 0);
    await eveSocket.nothing('chat:updated', leaks, 0);
  });

  it('a removed member loses access at once', async () => {
    const dave = await api.newUser();
    const chat = await api.newGroup(alice, [dave], 'temp');
    expect((await api.chat(dave, chat.id)).status).toBe(200);
    expect((await api.removeMember(alice, chat.id, dave)).status).toBe(204);
    for (const r of chatRoutes(chat.id, 1, eveChatId, eveChatId).filter((x) => !x.name.startsWith('POST forward'))) {
      const res = await call(r, dave);
      expect({ route: r.name, status: res.status, code: res.body?.code }).toEqual({ route: r.name, status: 404, code: 'CHAT_NOT_FOUND' });
    }
  });

  describe('tokens that are not valid', () => {
    let revoked: string;
    let expired: string;
    let otherSecret: string;
    let unsigned: string;
    let revokedRefresh: string;

    beforeAll(async () => {
      const login = ok(await api.login({ username: alice.username, password: alice.password }));
      revoked = login.accessToken;
      revokedRefresh = login.refreshToken;
      expect((await api.logout({ auth: bearer(revoked) })).status).toBe(204);
      const claims = accessClaims(alice.accessToken); // a live session
      const now = Math.floor(Date.now() / 1000);
      expired = signToken({ sub: claims.sub, sid: claims.sid, iat: now - 3600, exp: now - 60 });
      otherSecret = signToken({ sub: claims.sub, sid: claims.sid, iat: now, exp: now + 600 }, 'another-secret-another-secret-!!');
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: claims.sub, sid: claims.sid, iat: now, exp: now + 600 })}.`;
    });

    const bad = () => ({
      'a logged-out session': revoked,
      'an expired token': expired,
      'another secret': otherSecret,
      'alg none': unsigned,
      'a refresh token': alice.refreshToken,
      garbage: 'not.a.token',
    });

    it.each(['a logged-out session', 'an expired token', 'another secret', 'alg none', 'a refresh token', 'garbage'])(
      'REST refuses %s with 401 UNAUTHORIZED, on every kind of route',
      async (kind) => {
        const token = (bad() as Record<string, string>)[kind];
        const auth = bearer(token);
        const routes: Route[] = [
          { name: 'me', method: 'get', path: '/api/users/me' },
          { name: 'patch me', method: 'patch', path: '/api/users/me', body: { about: 'x' } },
          { name: 'chats', method: 'get', path: '/api/chats' },
          { name: 'create chat', method: 'post', path: '/api/chats', body: { type: 'direct', userId: bob.id } },
          { name: 'send', method: 'post', path: `/api/chats/${groupId}/messages`, body: { clientId: randomUUID(), text: 'x' } },
          { name: 'history', method: 'get', path: `/api/chats/${groupId}/messages` },
          { name: 'attachment', method: 'get', path: `/api/attachments/${attachmentId}` },
          { name: 'presence', method: 'get', path: `/api/presence?userIds=${bob.id}` },
          { name: 'logout', method: 'post', path: '/api/auth/logout' },
        ];
        for (const r of routes) {
          const res = await call(r, { auth });
          expect({ route: r.name, status: res.status, code: res.body?.code }).toEqual({ route: r.name, status: 401, code: 'UNAUTHORIZED' });
        }
      },
    );

    it.each(['a logged-out session', 'an expired token', 'another secret', 'alg none', 'a refresh token', 'garbage'])(
      'sockets refuse %s with connect_error "unauthorized"',
      async (kind) => {
        const token = (bad() as Record<string, string>)[kind];
        await expect(connectSocket(svc.url, token)).rejects.toThrow(/^unauthorized$/);
      },
    );

    it('a missing token, or one that is not a string, is refused too; the refresh token of a logged-out session is dead', async () => {
      await expect(connectSocket(svc.url, undefined)).rejects.toThrow(/^unauthorized$/);
      await expect(connectSocket(svc.url, undefined, { token: { $ne: null } })).rejects.toThrow(/^unauthorized$/);
      await expect(connectSocket(svc.url, undefined, { token: 12345 })).rejects.toThrow(/^unauthorized$/);
      expect((await api.me(null)).status).toBe(401);
      expect((await api.me({ auth: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } })).status).toBe(401);
      const refresh = await api.post<Answer>('/api/auth/refresh', null, { refreshToken: revokedRefresh });
      expect([refresh.status, refresh.body.code]).toEqual([401, 'UNAUTHORIZED']);
      // The valid token still works: the refusals above are about the tokens.
      expect((await api.me(alice)).status).toBe(200);
    });
  });
});
