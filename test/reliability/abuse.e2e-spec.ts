import { randomUUID } from 'node:crypto';
import { expectError, TestUser } from '../support/api';
import { anyString, matching } from '../support/matchers';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { alive, sleep } from './support';

const ALLOWED_ORIGIN = 'https://chat.example';

/**
 * Abuse limits: per-user send and upload rates (REST and sockets share one bucket), oversized
 * socket frames, the per-socket queue, security headers and CORS from the configuration.
 */
describe('abuse limits', () => {
  const svc = useService({
    // One token a second: the refused calls below all fit well inside one refill, even on a loaded machine.
    SEND_RATE_PER_SECOND: '1',
    SEND_RATE_BURST: '5',
    UPLOAD_RATE_PER_MINUTE: '3',
    CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://other-allowed.example`,
  });
  const { api } = svc;
  const sockets = useSockets();
  const open = (user: TestUser) => sockets.open(svc, user);
  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;

  const sendRest = (user: TestUser, text = 'x') => api.send(user, chatId, { text });

  beforeAll(async () => {
    [alice, bob] = await api.newUsers(2);
    chatId = (await api.newDirect(alice, bob)).id;
  });

  describe('per-user send rate (SEND_RATE_PER_SECOND=1, SEND_RATE_BURST=5)', () => {
    it('the burst passes, then REST gets 429 RATE_LIMITED and the socket an ack error, from one bucket; others are not affected; nothing extra is stored', async () => {
      const socket = await open(alice);
      const results: number[] = [];
      // The burst at once, so that no token comes back while it is sent.
      results.push(...(await Promise.all(Array.from({ length: 5 }, () => sendRest(alice)))).map((r) => r.status));
      expect(results).toEqual([201, 201, 201, 201, 201]);
      const refused = await sendRest(alice);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        statusCode: 429,
        code: 'RATE_LIMITED',
        message: matching(/^too many messages; try again in \d+ s$/),
        details: [{ retryAfter: expect.any(Number) as number }],
      });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The same user over a socket: the same bucket.
      const ack = await socket.call('message:send', { chatId, clientId: randomUUID(), text: 'socket' });
      expect(ack).toEqual({
        ok: false,
        error: { statusCode: 429, code: 'RATE_LIMITED', message: anyString(), details: [{ retryAfter: expect.any(Number) as number }] },
      });
      // Commands and forwards count as sends too.
      expect((await sendRest(alice, '/help')).status).toBe(429);
      const forward = await api.forward(alice, chatId, { fromChatId: chatId, seqs: [1] });
      expect(forward.status).toBe(429);
      expectError(forward, 429, 'RATE_LIMITED');
      // Another user has a bucket of its own.
      expect((await sendRest(bob)).status).toBe(201);
      const bobSocket = await open(bob);
      expect(await bobSocket.call('message:send', { chatId, clientId: randomUUID(), text: 'bob' })).toMatchObject({ ok: true });
      // Only what was accepted is stored.
      const stored = await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE sender_id = $1 AND type = $2', [
        alice.id,
        'text',
      ]);
      expect(stored.rows[0].n).toBe(5);
      // Tokens come back at the rate (one a second), never more than the burst.
      await sleep(1200);
      expect((await sendRest(alice)).status).toBe(201);
      const more: number[] = [];
      for (let i = 0; i < 10; i++) more.push((await sendRest(alice)).status);
      expect(more.filter((st) => st === 429).length).toBeGreaterThan(0);
      expect(more.filter((st) => st !== 429 && st !== 201)).toEqual([]);
      expect(socket.socket.connected).toBe(true);
    });
  });

  describe('per-user upload rate (UPLOAD_RATE_PER_MINUTE=3)', () => {
    it('three uploads pass, the fourth is 429 RATE_LIMITED and stores nothing; another user can upload', async () => {
      const carol = await api.newUser();
      const upload = (user: TestUser) => api.upload(user, Buffer.alloc(64 * 1024, 1), 'f.bin');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await upload(carol)).status);
      expect(statuses).toEqual([201, 201, 201]);
      const refused = await upload(carol);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      const rows = await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [carol.id]);
      expect(rows.rows[0].n).toBe(3);
      expect((await upload(bob)).status).toBe(201);
    });
  });

  describe('socket frames and queues', () => {
    it('a frame over 1 MiB closes that connection only; one just under is answered', async () => {
      const dave = await api.newUser();
      const big = await open(dave);
      const other = await open(dave);
      const bystander = await open(bob);
      // Just under the limit: an answer (text too long), the connection stays.
      const under = await big.call('message:send', { chatId: randomUUID(), clientId: randomUUID(), text: 'x'.repeat(1000 * 1000) });
      expect(under).toMatchObject({ ok: false, error: { statusCode: 400 } });
      expect(big.socket.connected).toBe(true);
      // Over it: that connection is closed, with no answer.
      const closed = big.disconnected(10_000);
      big.socket.emit('message:send', { chatId, clientId: randomUUID(), text: 'x'.repeat(1024 * 1024 + 10) });
      expect(await closed).toBe('transport close');
      // Others are not harmed.
      expect(other.socket.connected).toBe(true);
      expect(bystander.socket.connected).toBe(true);
      expect(await other.call('messages:history', { chatId: randomUUID() })).toMatchObject({ ok: false, error: { statusCode: 404 } });
      expect(await bystander.call('message:send', { chatId, clientId: randomUUID(), text: 'still here' })).toMatchObject({ ok: true });
      expect(alive(svc.proc)).toBe(true);
    });

    it('more than 100 events waiting on one socket: the excess is answered 429, the socket lives on', async () => {
      const erin = await api.newUser();
      const socket = await open(erin);
      const acks = await Promise.all(Array.from({ length: 250 }, () => socket.call('messages:history', { chatId: randomUUID() })));
      const codes = acks.map((a) => a.error?.statusCode);
      expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
      expect(codes.filter((c) => c !== 429 && c !== 404)).toEqual([]);
      expect(await socket.call('messages:history', { chatId: randomUUID() })).toMatchObject({ ok: false, error: { statusCode: 404 } });
    });
  });

  describe('HTTP hardening', () => {
    it('security headers on API answers and on the web client', async () => {
      for (const path of ['/health', '/api/users/me', '/api/chats/not-a-uuid']) {
        const res = await api.request().get(path).set(alice.auth);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
      const page = await api.request().get('/');
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    });

    it('CORS follows CORS_ORIGINS: an allowed origin is echoed, another gets no Access-Control-Allow-Origin', async () => {
      const allowed = await api.request().get('/api/users/me').set(alice.auth).set('Origin', ALLOWED_ORIGIN);
      expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const preflight = await api
        .request()
        .options(`/api/chats/${chatId}/messages`)
        .set('Origin', 'https://other-allowed.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://other-allowed.example');
      for (const origin of ['https://evil.example', 'https://chat.example.evil.example', 'null']) {
        const res = await api.request().get('/api/users/me').set(alice.auth).set('Origin', origin);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        const pre = await api.request().options('/api/users/me').set('Origin', origin).set('Access-Control-Request-Method', 'GET');
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      }
      // socket.io's HTTP handshake follows the same list.
      const ok = await api.request().get('/socket.io/?EIO=4&transport=polling').set('Origin', ALLOWED_ORIGIN);
      expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const bad = await api.request().get('/socket.io/?EIO=4&transport=polling').set('Origin', 'https://evil.example');
      expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
