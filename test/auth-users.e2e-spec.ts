import { bearer, expectError, PASSWORD, uniqueName } from './support/api';
import { anIsoTime, aUuid, containing } from './support/matchers';
import { useService } from './support/service';

describe('auth and users (real service, real PostgreSQL)', () => {
  const svc = useService();
  const { api } = svc;

  function expectNoSecrets(body: unknown) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/password|argon2|passwordHash|refresh_token_hash/i);
  }

  describe('POST /api/auth/register', () => {
    it('creates the user and a session, without leaking the password', async () => {
      const username = uniqueName('Reg');
      const res = await api.register({ username, password: 'secret-pass', displayName: 'Régis 🚀' });
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({
        id: aUuid(),
        username,
        displayName: 'Régis 🚀',
        about: '',
        createdAt: anIsoTime(),
      });
      expect(typeof res.body.accessToken).toBe('string');
      expect(typeof res.body.refreshToken).toBe('string');
      expectNoSecrets(res.body.user);
      const stored = await svc.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [res.body.user.id]);
      expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    });

    it('defaults displayName to the username', async () => {
      const username = uniqueName();
      const res = await api.register({ username, password: 'secret-pass' });
      expect(res.body.user.displayName).toBe(username);
    });

    it('refuses a taken username, ignoring case', async () => {
      const username = uniqueName('Case');
      await api.newUser(username);
      const res = await api.register({ username: username.toUpperCase(), password: 'secret-pass' });
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
      const res = await api.register(body);
      const err = expectError(res, 400, 'VALIDATION_FAILED');
      expect(err.details?.map((d) => ('field' in d ? d.field : null))).toContain(field);
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await api.request().post('/api/auth/register').set('Content-Type', 'application/json').send('{"username":');
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with the right password (username case-insensitive)', async () => {
      const u = await api.newUser(uniqueName('Log'));
      const res = await api.login({ username: u.username.toLowerCase(), password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(u.id);
      expect(res.body.refreshToken).not.toBe(u.refreshToken);
      expectNoSecrets(res.body);
    });

    it('answers the same for an unknown user and a wrong password', async () => {
      const u = await api.newUser();
      const wrong = await api.login({ username: u.username, password: 'wrong password' });
      const unknown = await api.login({ username: uniqueName('nobody'), password: 'wrong password' });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expectError(unknown, 401, 'INVALID_CREDENTIALS');
      expect(wrong.body).toEqual(unknown.body);
    });

    it('answers 400 for a missing password', async () => {
      expectError(await api.login({ username: 'x' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: the new pair works, the old refresh token stops working and its reuse ends the session', async () => {
      const u = await api.newUser();
      const first = await api.refresh(u.refreshToken);
      expect(first.status).toBe(200);
      expect(first.body.user.id).toBe(u.id);
      expect(first.body.refreshToken).not.toBe(u.refreshToken);
      const me = await api.me({ auth: bearer(first.body.accessToken) });
      expect(me.status).toBe(200);

      // The rotated (old) token again: refused, and the session it belongs to ends.
      expectError(await api.refresh(u.refreshToken), 401, 'UNAUTHORIZED');
      expectError(await api.refresh(first.body.refreshToken), 401, 'UNAUTHORIZED');
      expectError(await api.me({ auth: bearer(first.body.accessToken) }), 401, 'UNAUTHORIZED');
    });

    it('refuses garbage', async () => {
      expectError(await api.refresh('nope'), 401, 'UNAUTHORIZED');
      expectError(await api.post('/api/auth/refresh', null, {}), 400, 'VALIDATION_FAILED');
    });

    it('keeps sessions apart: another device is not affected', async () => {
      const u = await api.newUser();
      const phone = await api.login({ username: u.username, password: PASSWORD });
      expect((await api.logout(u)).status).toBe(204);
      expect((await api.me({ auth: bearer(phone.body.accessToken) })).status).toBe(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('ends the session: access and refresh tokens stop working', async () => {
      const u = await api.newUser();
      expect((await api.logout(u)).status).toBe(204);
      expectError(await api.me(u), 401, 'UNAUTHORIZED');
      expectError(await api.refresh(u.refreshToken), 401, 'UNAUTHORIZED');
    });

    it('needs a token', async () => {
      expectError(await api.logout(null), 401, 'UNAUTHORIZED');
    });
  });

  describe('tokens', () => {
    it('refuses a missing, malformed or foreign-signed token', async () => {
      expectError(await api.me(null), 401, 'UNAUTHORIZED');
      expectError(await api.me({ auth: bearer('not.a.jwt') }), 401, 'UNAUTHORIZED');
      const u = await api.newUser();
      const [h, p] = u.accessToken.split('.');
      expectError(await api.me({ auth: bearer(`${h}.${p}.forgedsignature`) }), 401, 'UNAUTHORIZED');
    });
  });

  describe('users', () => {
    it('GET and PATCH /api/users/me', async () => {
      const u = await api.newUser();
      const me = await api.me(u);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: u.id, username: u.username, about: '' });
      expectNoSecrets(me.body);
      const patched = await api.updateMe(u, { displayName: 'New Name', about: 'ça va 👋' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: u.id, displayName: 'New Name', about: 'ça va 👋' });
      expect((await api.me(u)).body.about).toBe('ça va 👋');
    });

    it('PATCH /api/users/me validates: about up to 500 code points, no unknown fields', async () => {
      const u = await api.newUser();
      expect((await api.updateMe(u, { about: '😀'.repeat(500) })).status).toBe(200);
      expectError(await api.updateMe(u, { about: '😀'.repeat(501) }), 400, 'VALIDATION_FAILED');
      expectError(await api.updateMe(u, { username: 'hijack' }), 400, 'VALIDATION_FAILED');
      expectError(await api.updateMe(u, { displayName: '' }), 400, 'VALIDATION_FAILED');
    });

    it('GET /api/users/:id gives the public profile with presence', async () => {
      const [a, b] = await api.newUsers(2);
      const res = await api.user(a, b.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: b.id,
        username: b.username,
        displayName: b.username,
        about: '',
        online: false,
        lastSeenAt: null,
      });
      expectError(await api.user(a, '00000000-0000-4000-8000-000000000000'), 404, 'USER_NOT_FOUND');
      expectError(await api.user(a, 'not-a-uuid'), 400, 'VALIDATION_FAILED');
    });

    it('GET /api/users?q= searches by prefix, ignoring case, with a limit', async () => {
      const prefix = uniqueName('Srch').slice(0, 20);
      const names = ['a1', 'a2', 'b3'].map((s) => `${prefix}${s}`);
      const [viewer] = await Promise.all([api.newUser(), ...names.map((n) => api.newUser(n))]);
      const all = await api.searchUsers(viewer, { q: prefix.toUpperCase() });
      expect(all.status).toBe(200);
      expect(all.body.items.map((u) => u.username)).toEqual(names);
      expect(all.body.items[0]).toEqual(containing({ online: false, lastSeenAt: null }));
      const limited = await api.searchUsers(viewer, { q: `${prefix}a`, limit: 1 });
      expect(limited.body.items.map((u) => u.username)).toEqual([names[0]]);
      // LIKE wildcards are literal characters, not patterns.
      expect((await api.searchUsers(viewer, { q: '_' })).body.items).toEqual([]);
      expectError(await api.searchUsers(viewer, { q: 'x', limit: 1000 }), 400, 'VALIDATION_FAILED');
      expectError(await api.searchUsers(viewer, {}), 400, 'VALIDATION_FAILED');
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
    it('GET /health reports the database and the instance', async () => {
      const res = await api.get<{ info: { database: { status: string }; instance: { status: string } } }>('/health', null);
      expect(res.status).toBe(200);
      expect(res.body.info).toEqual({ database: containing({ status: 'up' }), instance: { status: 'up' } });
    });

    it('unknown routes answer 404 in the contract body', async () => {
      expectError(await api.get('/api/nope', null), 404, 'NOT_FOUND');
    });

    it('sets security headers and a request id', async () => {
      const res = await api.request().get('/health').set('X-Request-Id', 'req-123');
      expect(res.headers['x-request-id']).toBe('req-123');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('serves Swagger UI and an OpenAPI document with the bearer scheme', async () => {
      expect((await api.get('/docs', null)).status).toBe(200);
      const doc = await api.get<{ components: { securitySchemes: Record<string, unknown> }; paths: Record<string, unknown> }>(
        '/docs-json',
        null,
      );
      expect(doc.status).toBe(200);
      expect(doc.body.components.securitySchemes.bearer).toBeDefined();
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/auth/register', '/api/users/me']));
      // /health is for load balancers, not integrators: it is served, but not in the API document.
      expect(Object.keys(doc.body.paths)).not.toContain('/health');
      expect((await api.get('/health', null)).status).toBe(200);
    });
  });
});
