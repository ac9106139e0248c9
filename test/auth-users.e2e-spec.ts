import request from 'supertest';
import { expectError, registerUser, uniqueName } from './support/api';
import { TestService, startTestService } from './support/service';

describe('auth and users (real service, real PostgreSQL)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.close();
  });
  const api = () => request(svc.url);

  function expectNoSecrets(body: unknown) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/password|argon2|passwordHash|refresh_token_hash/i);
  }

  describe('POST /api/auth/register', () => {
    it('creates the user and a session, without leaking the password', async () => {
      const username = uniqueName('Reg');
      const res = await api().post('/api/auth/register').send({ username, password: 'secret-pass', displayName: 'Régis 🚀' });
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username,
        displayName: 'Régis 🚀',
        about: '',
        createdAt: expect.stringMatching(/Z$/),
      });
      expect(typeof res.body.accessToken).toBe('string');
      expect(typeof res.body.refreshToken).toBe('string');
      expectNoSecrets(res.body.user);
      const stored = await svc.db.query('SELECT password_hash FROM users WHERE id = $1', [res.body.user.id]);
      expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    });

    it('defaults displayName to the username', async () => {
      const username = uniqueName();
      const res = await api().post('/api/auth/register').send({ username, password: 'secret-pass' });
      expect(res.body.user.displayName).toBe(username);
    });

    it('refuses a taken username, ignoring case', async () => {
      const username = uniqueName('Case');
      await registerUser(svc.url, username);
      const res = await api().post('/api/auth/register').send({ username: username.toUpperCase(), password: 'secret-pass' });
      expectError(res, 409, 'USERNAME_TAKEN');
    });

    it.each([
      [{ username: 'ab', password: 'secret-pass' }, 'username'],
      [{ username: 'a'.repeat(33), password: 'secret-pass' }, 'username'],
      [{ username: 'bad name!', password: 'secret-pass' }, 'username'],
      [{ username: 'okname', password: 'short' }, 'password'],
      [{ username: 'okname', password: 'x'.repeat(129) }, 'password'],
      [{ username: 'okname', password: 'secret-pass', admin: true }, 'admin'],
      [{ username: 42, password: 'secret-pass' }, 'username'],
    ])('answers 400 VALIDATION_FAILED with field details for %j', async (body, field) => {
      const res = await api().post('/api/auth/register').send(body);
      const err = expectError(res, 400, 'VALIDATION_FAILED');
      expect(err.details?.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await api().post('/api/auth/register').set('Content-Type', 'application/json').send('{"username":');
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with the right password (username case-insensitive)', async () => {
      const u = await registerUser(svc.url, uniqueName('Log'));
      const res = await api().post('/api/auth/login').send({ username: u.username.toLowerCase(), password: 'correct horse' });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(u.id);
      expect(res.body.refreshToken).not.toBe(u.refreshToken);
      expectNoSecrets(res.body);
    });

    it('answers the same for an unknown user and a wrong password', async () => {
      const u = await registerUser(svc.url);
      const wrong = await api().post('/api/auth/login').send({ username: u.username, password: 'wrong password' });
      const unknown = await api()
        .post('/api/auth/login')
        .send({ username: uniqueName('nobody'), password: 'wrong password' });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expectError(unknown, 401, 'INVALID_CREDENTIALS');
      expect(wrong.body).toEqual(unknown.body);
    });

    it('answers 400 for a missing password', async () => {
      expectError(await api().post('/api/auth/login').send({ username: 'x' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: the new pair works, the old refresh token stops working and its reuse ends the session', async () => {
      const u = await registerUser(svc.url);
      const first = await api().post('/api/auth/refresh').send({ refreshToken: u.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.user.id).toBe(u.id);
      expect(first.body.refreshToken).not.toBe(u.refreshToken);
      const me = await api().get('/api/users/me').set('Authorization', `Bearer ${first.body.accessToken}`);
      expect(me.status).toBe(200);

      // The rotated (old) token again: refused, and the session it belongs to ends.
      expectError(await api().post('/api/auth/refresh').send({ refreshToken: u.refreshToken }), 401, 'UNAUTHORIZED');
      expectError(await api().post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken }), 401, 'UNAUTHORIZED');
      expectError(await api().get('/api/users/me').set('Authorization', `Bearer ${first.body.accessToken}`), 401, 'UNAUTHORIZED');
    });

    it('refuses garbage', async () => {
      expectError(await api().post('/api/auth/refresh').send({ refreshToken: 'nope' }), 401, 'UNAUTHORIZED');
      expectError(await api().post('/api/auth/refresh').send({}), 400, 'VALIDATION_FAILED');
    });

    it('keeps sessions apart: another device is not affected', async () => {
      const u = await registerUser(svc.url);
      const phone = await api().post('/api/auth/login').send({ username: u.username, password: 'correct horse' });
      await api().post('/api/auth/logout').set(u.auth).expect(204);
      expect((await api().get('/api/users/me').set('Authorization', `Bearer ${phone.body.accessToken}`)).status).toBe(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('ends the session: access and refresh tokens stop working', async () => {
      const u = await registerUser(svc.url);
      expect((await api().post('/api/auth/logout').set(u.auth)).status).toBe(204);
      expectError(await api().get('/api/users/me').set(u.auth), 401, 'UNAUTHORIZED');
      expectError(await api().post('/api/auth/refresh').send({ refreshToken: u.refreshToken }), 401, 'UNAUTHORIZED');
    });

    it('needs a token', async () => {
      expectError(await api().post('/api/auth/logout'), 401, 'UNAUTHORIZED');
    });
  });

  describe('tokens', () => {
    it('refuses a missing, malformed or foreign-signed token', async () => {
      expectError(await api().get('/api/users/me'), 401, 'UNAUTHORIZED');
      expectError(await api().get('/api/users/me').set('Authorization', 'Bearer not.a.jwt'), 401, 'UNAUTHORIZED');
      const u = await registerUser(svc.url);
      const [h, p] = u.accessToken.split('.');
      expectError(await api().get('/api/users/me').set('Authorization', `Bearer ${h}.${p}.forgedsignature`), 401, 'UNAUTHORIZED');
    });
  });

  describe('users', () => {
    it('GET and PATCH /api/users/me', async () => {
      const u = await registerUser(svc.url);
      const me = await api().get('/api/users/me').set(u.auth);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: u.id, username: u.username, about: '' });
      expectNoSecrets(me.body);
      const patched = await api().patch('/api/users/me').set(u.auth).send({ displayName: 'New Name', about: 'ça va 👋' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: u.id, displayName: 'New Name', about: 'ça va 👋' });
      expect((await api().get('/api/users/me').set(u.auth)).body.about).toBe('ça va 👋');
    });

    it('PATCH /api/users/me validates: about up to 500 code points, no unknown fields', async () => {
      const u = await registerUser(svc.url);
      expect(
        (
          await api()
            .patch('/api/users/me')
            .set(u.auth)
            .send({ about: '😀'.repeat(500) })
        ).status,
      ).toBe(200);
      expectError(
        await api()
          .patch('/api/users/me')
          .set(u.auth)
          .send({ about: '😀'.repeat(501) }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(await api().patch('/api/users/me').set(u.auth).send({ username: 'hijack' }), 400, 'VALIDATION_FAILED');
      expectError(await api().patch('/api/users/me').set(u.auth).send({ displayName: '' }), 400, 'VALIDATION_FAILED');
    });

    it('GET /api/users/:id gives the public profile with presence', async () => {
      const [a, b] = [await registerUser(svc.url), await registerUser(svc.url)];
      const res = await api().get(`/api/users/${b.id}`).set(a.auth);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: b.id,
        username: b.username,
        displayName: b.username,
        about: '',
        online: false,
        lastSeenAt: null,
      });
      expectError(await api().get('/api/users/00000000-0000-4000-8000-000000000000').set(a.auth), 404, 'USER_NOT_FOUND');
      expectError(await api().get('/api/users/not-a-uuid').set(a.auth), 400, 'VALIDATION_FAILED');
    });

    it('GET /api/users?q= searches by prefix, ignoring case, with a limit', async () => {
      const prefix = uniqueName('Srch').slice(0, 20);
      const names = ['a1', 'a2', 'b3'].map((s) => `${prefix}${s}`);
      const [viewer] = await Promise.all([registerUser(svc.url), ...names.map((n) => registerUser(svc.url, n))]);
      const all = await api().get('/api/users').query({ q: prefix.toUpperCase() }).set(viewer.auth);
      expect(all.status).toBe(200);
      expect(all.body.items.map((u: { username: string }) => u.username)).toEqual(names);
      expect(all.body.items[0]).toEqual(expect.objectContaining({ online: false, lastSeenAt: null }));
      const limited = await api()
        .get('/api/users')
        .query({ q: `${prefix}a`, limit: 1 })
        .set(viewer.auth);
      expect(limited.body.items.map((u: { username: string }) => u.username)).toEqual([names[0]]);
      // LIKE wildcards are literal characters, not patterns.
      expect((await api().get('/api/users').query({ q: '_' }).set(viewer.auth)).body.items).toEqual([]);
      expectError(await api().get('/api/users').query({ q: 'x', limit: 1000 }).set(viewer.auth), 400, 'VALIDATION_FAILED');
      expectError(await api().get('/api/users').set(viewer.auth), 400, 'VALIDATION_FAILED');
    });

    it('the username search is served by an index', async () => {
      // A tiny table would be seq-scanned anyway: forbid that to see which index the planner can use.
      await svc.db.query('SET enable_seqscan = off');
      const forced = await svc.db.query(
        `EXPLAIN (FORMAT JSON) SELECT * FROM users WHERE username_key LIKE 'abc%' ORDER BY username_key LIMIT 20`,
      );
      expect(JSON.stringify(forced.rows[0])).toContain('uq_users_username_key');
    });
  });

  describe('operations', () => {
    it('GET /health reports the database', async () => {
      const res = await api().get('/health');
      expect(res.status).toBe(200);
      expect(res.body.info.database.status).toBe('up');
    });

    it('unknown routes answer 404 in the contract body', async () => {
      expectError(await api().get('/api/nope'), 404, 'NOT_FOUND');
    });

    it('sets security headers and a request id', async () => {
      const res = await api().get('/health').set('X-Request-Id', 'req-123');
      expect(res.headers['x-request-id']).toBe('req-123');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('serves Swagger UI and an OpenAPI document with the bearer scheme', async () => {
      expect((await api().get('/docs')).status).toBe(200);
      const doc = await api().get('/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.components.securitySchemes.bearer).toBeDefined();
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/auth/register', '/api/users/me', '/health']));
    });
  });
});
