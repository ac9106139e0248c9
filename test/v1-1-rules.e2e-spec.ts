import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ErrorBody, RetryAfter } from '../src/common/app.exception';
import { expectError, registerUser, TestUser } from './support/api';
import { startRefused, startTestService, TestService } from './support/service';
import { connectSocket, TestSocket } from './support/sockets';

/** The body and header every 429 carries: whole seconds, the same in both. */
function expectRetryAfter(res: request.Response): number {
  const body = expectError(res, 429, 'RATE_LIMITED');
  expect(body.details).toEqual([{ retryAfter: expect.any(Number) as number }]);
  const seconds = (body.details![0] as RetryAfter).retryAfter;
  expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
  expect(res.headers['retry-after']).toBe(String(seconds));
  return seconds;
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * v1.1 "Changed rules" other than refresh (test/auth/refresh-retry): Retry-After on every 429, 415
 * for a JSON route given another content type, TRUST_PROXY, and logs (JSON lines unless asked for
 * pretty ones, a start line naming the real address).
 */
describe('v1.1 rules', () => {
  describe('one service: tight limits, no trusted proxy, pretty logs', () => {
    let svc: TestService;
    let alice: TestUser;
    let bob: TestUser;
    let chatId: string;
    const opened: TestSocket[] = [];

    beforeAll(async () => {
      svc = await startTestService({
        SEND_RATE_PER_SECOND: '1',
        SEND_RATE_BURST: '1',
        UPLOAD_RATE_PER_MINUTE: '1',
        // Two registrations (alice and bob) use this address's whole register budget.
        AUTH_RATE_LIMIT_PER_MINUTE: '2',
        TRUST_PROXY: undefined,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'pretty',
      });
      [alice, bob] = [await registerUser(svc.url), await registerUser(svc.url)];
      const chat = await request(svc.url).post('/api/chats').set(alice.auth).send({ type: 'direct', userId: bob.id });
      chatId = (chat.body as { id: string }).id;
    });
    afterAll(async () => {
      for (const s of opened) s.close();
      await svc?.close();
    });
    const api = () => request(svc.url);
    const open = async (user: TestUser) => {
      const s = await connectSocket(svc.url, user.accessToken);
      opened.push(s);
      return s;
    };

    describe('429 carries Retry-After and details: [{ retryAfter }]', () => {
      it('REST send and forward (SEND_RATE_PER_SECOND=1, SEND_RATE_BURST=1)', async () => {
        const send = () => api().post(`/api/chats/${chatId}/messages`).set(alice.auth).send({ clientId: randomUUID(), text: 'hi' });
        expect((await send()).status).toBe(201);
        const refused = await send();
        expect(expectRetryAfter(refused)).toBe(1);
        expect((refused.body as ErrorBody).message).toBe('too many messages; try again in 1 s');
        const forward = await api()
          .post(`/api/chats/${chatId}/messages/forward`)
          .set(alice.auth)
          .send({ fromChatId: chatId, seqs: [1] });
        expectRetryAfter(forward);
      });

      it('socket acks of message:send and message:forward', async () => {
        const socket = await open(bob);
        expect(await socket.call('message:send', { chatId, clientId: randomUUID(), text: 'one' })).toMatchObject({ ok: true });
        const refused = await socket.call('message:send', { chatId, clientId: randomUUID(), text: 'two' });
        expect(refused).toEqual({
          ok: false,
          error: { statusCode: 429, code: 'RATE_LIMITED', message: 'too many messages; try again in 1 s', details: [{ retryAfter: 1 }] },
        });
        const forward = await socket.call('message:forward', { chatId, fromChatId: chatId, seqs: [1] });
        expect(forward).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', details: [{ retryAfter: 1 }] } });
      });

      it('uploads (UPLOAD_RATE_PER_MINUTE=1): the wait until the next token, in seconds', async () => {
        const upload = () => api().post('/api/attachments').set(bob.auth).attach('file', Buffer.from('hello'), 'a.txt');
        expect((await upload()).status).toBe(201);
        const seconds = expectRetryAfter(await upload());
        expect(seconds).toBeGreaterThan(50);
        expect(seconds).toBeLessThanOrEqual(60);
      });

      it('register and login (AUTH_RATE_LIMIT_PER_MINUTE=2), next to the X-RateLimit-* headers', async () => {
        const refused = await api().post('/api/auth/register').send({ username: 'nobody_here', password: 'correct horse' });
        expectRetryAfter(refused);
        expect(refused.headers['x-ratelimit-remaining']).toBe('0');
      });

      it('the per-socket queue (more than 100 events waiting)', async () => {
        const socket = await open(alice);
        const acks = await Promise.all(Array.from({ length: 250 }, () => socket.call('messages:history', { chatId: randomUUID() })));
        const refused = acks.filter((a) => a.error?.statusCode === 429);
        expect(refused.length).toBeGreaterThan(0);
        for (const ack of refused) expect(ack.error).toMatchObject({ code: 'RATE_LIMITED', details: [{ retryAfter: 1 }] });
      });
    });

    describe('a JSON route given another content type answers 415 UNSUPPORTED_MEDIA_TYPE', () => {
      it('PATCH /api/users/me with text/plain: 415, nothing changed', async () => {
        const before = (await api().get('/api/users/me').set(alice.auth)).body as { displayName: string };
        const res = await api().patch('/api/users/me').set(alice.auth).set('Content-Type', 'text/plain').send('{"displayName":"Changed"}');
        expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect((res.body as ErrorBody).message).toContain('text/plain');
        expect((await api().get('/api/users/me').set(alice.auth)).body).toEqual(before);
      });

      it('POST /api/chats with a form or a multipart body: 415, no chat made', async () => {
        const count = async () =>
          (await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chats WHERE created_by = $1', [alice.id])).rows[0].n;
        const chats = await count();
        expectError(
          await api().post('/api/chats').set(alice.auth).type('form').send({ type: 'direct', userId: bob.id }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
        const multipart = await api().post('/api/chats').set(alice.auth).field('type', 'group').field('title', 'x');
        expectError(multipart, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect(await count()).toBe(chats);
      });

      it('a body with no Content-Type at all: 415', async () => {
        const res = await fetch(`${svc.url}/api/users/me`, {
          method: 'PATCH',
          headers: alice.auth,
          body: new TextEncoder().encode('{"about":"no type"}'),
        });
        expect(res.status).toBe(415);
        expect(await res.json()).toMatchObject({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: expect.stringContaining('no Content-Type') as string,
        });
      });

      it('JSON with a charset, and requests without a body whatever their Content-Type, stay fine', async () => {
        const patched = await api()
          .patch('/api/users/me')
          .set(alice.auth)
          .set('Content-Type', 'application/json; charset=utf-8')
          .send(JSON.stringify({ about: 'typed' }));
        expect(patched.status).toBe(200);
        expect((await api().put(`/api/chats/${chatId}/pin`).set(alice.auth)).status).toBe(204);
        expect((await api().delete(`/api/chats/${chatId}/pin`).set(alice.auth).set('Content-Type', 'text/plain')).status).toBe(204);
        expect((await fetch(`${svc.url}/api/chats/${chatId}/pin`, { method: 'PUT', headers: alice.auth })).status).toBe(204);
      });
    });

    it('TRUST_PROXY unset: X-Forwarded-For is ignored, every forwarded address shares the peer’s login budget', async () => {
      const login = (forwardedFor: string) =>
        api().post('/api/auth/login').set('X-Forwarded-For', forwardedFor).send({ username: alice.username, password: 'correct horse' });
      expect((await login('203.0.113.1')).status).toBe(200);
      expect((await login('203.0.113.2')).status).toBe(200);
      expectRetryAfter(await login('203.0.113.3'));
    });

    it('LOG_FORMAT=pretty: lines for a person, and the start line names the address really listened on', () => {
      const output = svc.output();
      expect(output).toContain(`[Bootstrap] listening on http://127.0.0.1:${svc.port}`);
      expect(output).toMatch(/PATCH \/api\/users\/me 415 \d+ ms/);
      expect(jsonLines(output)).toEqual([]);
    });
  });

  describe('TRUST_PROXY=127.0.0.1 (the test client is the proxy); JSON logs', () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService({ TRUST_PROXY: '127.0.0.1', AUTH_RATE_LIMIT_PER_MINUTE: '2', LOG_LEVEL: 'info' });
    });
    afterAll(async () => {
      await svc?.close();
    });
    const register = (forwardedFor?: string) => {
      const req = request(svc.url).post('/api/auth/register');
      if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
      return req.send({ username: `p${randomUUID().replace(/-/g, '').slice(0, 12)}`, password: 'correct horse' });
    };

    it('each forwarded client address has a budget of its own; a spoofed entry before the proxy’s is ignored', async () => {
      expect([(await register('203.0.113.1')).status, (await register('203.0.113.1')).status]).toEqual([201, 201]);
      expectRetryAfter(await register('203.0.113.1'));
      // What the trusted proxy appended is the client; what the client wrote before it is not believed.
      expectRetryAfter(await register('198.51.100.7, 203.0.113.1'));
      expect([(await register('203.0.113.2')).status, (await register('203.0.113.2')).status]).toEqual([201, 201]);
      expect((await register()).status).toBe(201); // the proxy itself, as a client
    });

    it('JSON lines when stdout is no terminal: request lines carry the client address; the start line the real one', () => {
      const lines = jsonLines(svc.output());
      expect(
        svc
          .output()
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('{')),
      ).toEqual([]);
      expect(lines).toContainEqual(expect.objectContaining({ msg: `listening on http://127.0.0.1:${svc.port}`, context: 'Bootstrap' }));
      expect(lines).toContainEqual(
        expect.objectContaining({ req: expect.objectContaining({ url: '/api/auth/register', remoteAddress: '203.0.113.2' }) as unknown }),
      );
    });
  });

  describe('configuration', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'chat-rules-')), 'data');
    afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

    it.each<[string, Record<string, string>]>([
      ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
      ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/40' }],
      ['TRUST_PROXY', { TRUST_PROXY: 'proxy.internal' }],
      ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
    ])('a bad %s (%j) stops the start with exit 2, naming it', (variable, env) => {
      const started = startRefused(env, dataDir);
      expect(started.status).toBe(2);
      expect(started.stderr).toMatch(new RegExp(`^configuration error: ${variable} `));
      expect(existsSync(dataDir)).toBe(false);
    });
  });
});
