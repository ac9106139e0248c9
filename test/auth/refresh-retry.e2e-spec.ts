import { createHash } from 'node:crypto';
import request from 'supertest';
import { expectError, registerUser, TestUser } from '../support/api';
import { startTestService, TestService } from '../support/service';
import { connectSocket, TestSocket } from '../support/sockets';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * v1.1 "Refresh rotation with a safe retry": after a refresh the old refresh token stays valid until
 * the new pair is first used (its access token on REST or a socket handshake, or its refresh token);
 * presenting it after that ends the session. A retry after a lost answer gets another pair, and the
 * unused pair it replaces stops working.
 */
describe('refresh rotation with a safe retry', () => {
  let svc: TestService;
  const opened: TestSocket[] = [];

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await svc?.close();
  });

  const api = () => request(svc.url);
  const refresh = (refreshToken: string) => api().post('/api/auth/refresh').send({ refreshToken });
  const me = (accessToken: string) => api().get('/api/users/me').set('Authorization', `Bearer ${accessToken}`);
  const open = async (accessToken: string) => {
    const socket = await connectSocket(svc.url, accessToken);
    opened.push(socket);
    return socket;
  };
  /** A refresh that must succeed: its new pair. */
  const rotate = async (refreshToken: string): Promise<Pair> => {
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    const { accessToken, refreshToken: next } = res.body as Pair;
    return { accessToken, refreshToken: next };
  };
  const sessionRow = async (user: TestUser) =>
    (
      await svc.db.query(
        `SELECT refresh_token_hash, previous_refresh_token_hash, refresh_generation, revoked_at, xmin::text AS version
           FROM sessions WHERE user_id = $1`,
        [user.id],
      )
    ).rows[0] as {
      refresh_token_hash: string;
      previous_refresh_token_hash: string | null;
      refresh_generation: number;
      revoked_at: Date | null;
      version: string;
    };
  /** What a user sees of an ended session: every token refused, every socket closed. */
  const expectSessionEnded = async (pairs: Pair[], sockets: TestSocket[] = []) => {
    for (const socket of sockets) await socket.disconnected();
    for (const pair of pairs) {
      expectError(await me(pair.accessToken), 401, 'UNAUTHORIZED');
      expectError(await refresh(pair.refreshToken), 401, 'UNAUTHORIZED');
    }
    await expect(connectSocket(svc.url, pairs[0].accessToken)).rejects.toThrow('unauthorized');
  };

  it('a client that lost the answer retries with the old token and gets another pair, as often as it must; the last pair works', async () => {
    const u = await registerUser(svc.url);
    const first: Pair = u;
    const lost1 = await rotate(first.refreshToken);
    // Still on the old pair meanwhile: its access token works and confirms nothing.
    expect((await me(first.accessToken)).status).toBe(200);
    const lost2 = await rotate(first.refreshToken);
    const kept = await rotate(first.refreshToken);
    expect(new Set([first, lost1, lost2, kept].map((p) => p.refreshToken)).size).toBe(4);
    expect((await me(kept.accessToken)).status).toBe(200);
    expect((await me(first.accessToken)).status).toBe(200);
    // Rotating on from the kept pair works as usual.
    const next = await rotate(kept.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);
  });

  it('the unused pair a retry replaced: its refresh token is refused, and the session ends (only a thief holds it)', async () => {
    const u = await registerUser(svc.url);
    const socket = await open(u.accessToken);
    const replaced = await rotate(u.refreshToken);
    const retried = await rotate(u.refreshToken);
    expectError(await refresh(replaced.refreshToken), 401, 'UNAUTHORIZED');
    await expectSessionEnded([retried, u, replaced], [socket]);
  });

  it('after the new access token is used once on REST, the old refresh token ends the session: sockets closed, access tokens refused', async () => {
    const u = await registerUser(svc.url);
    const oldSocket = await open(u.accessToken);
    const next = await rotate(u.refreshToken);
    const newSocket = await open(u.accessToken); // the old access token: confirms nothing
    expect((await me(next.accessToken)).status).toBe(200); // first use of the new pair
    expectError(await refresh(u.refreshToken), 401, 'UNAUTHORIZED');
    await expectSessionEnded([next, u], [oldSocket, newSocket]);
    const row = await sessionRow(u);
    expect(row.revoked_at).not.toBeNull();
  });

  it('a socket handshake with the new access token is a first use too', async () => {
    const u = await registerUser(svc.url);
    const next = await rotate(u.refreshToken);
    const socket = await open(next.accessToken);
    expectError(await refresh(u.refreshToken), 401, 'UNAUTHORIZED');
    await expectSessionEnded([next, u], [socket]);
  });

  it('so is a refresh with the new refresh token: the token before it is dead, the one it was made from is now the retry token', async () => {
    const u = await registerUser(svc.url);
    const p1 = await rotate(u.refreshToken);
    await rotate(p1.refreshToken); // p1 used; its answer "lost"
    const p2 = await rotate(p1.refreshToken); // so p1 may be retried
    expect((await me(p2.accessToken)).status).toBe(200);
    expectError(await refresh(u.refreshToken), 401, 'UNAUTHORIZED');
    await expectSessionEnded([p2, p1, u]);
  });

  it('reuse of a long-dead refresh token ends the session, as before', async () => {
    const u = await registerUser(svc.url);
    let pair: Pair = u;
    for (let i = 0; i < 3; i++) {
      pair = await rotate(pair.refreshToken);
      expect((await me(pair.accessToken)).status).toBe(200);
    }
    const socket = await open(pair.accessToken);
    expectError(await refresh(u.refreshToken), 401, 'UNAUTHORIZED');
    await expectSessionEnded([pair, u], [socket]);
  });

  it('two concurrent refreshes with one token both answer (the later is a retry of the earlier); the session lives on', async () => {
    const u = await registerUser(svc.url);
    const [a, b] = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const row = await sessionRow(u);
    expect(row).toMatchObject({ revoked_at: null, refresh_generation: 2, previous_refresh_token_hash: sha256(u.refreshToken) });
    const answered = [a, b].map((res) => sha256((res.body as Pair).refreshToken));
    expect(answered).toContain(row.refresh_token_hash);
  });

  it('the access check confirms in its one statement and, once confirmed, writes nothing', async () => {
    const u = await registerUser(svc.url);
    const untouched = await sessionRow(u);
    for (let i = 0; i < 5; i++) expect((await me(u.accessToken)).status).toBe(200);
    // Nothing pending: the session row is not rewritten by access checks (same row version).
    expect((await sessionRow(u)).version).toBe(untouched.version);

    const next = await rotate(u.refreshToken);
    const pending = await sessionRow(u);
    expect(pending.previous_refresh_token_hash).toBe(sha256(u.refreshToken));
    expect((await me(u.accessToken)).status).toBe(200); // the old pair: still pending
    expect((await sessionRow(u)).version).toBe(pending.version);
    expect((await me(next.accessToken)).status).toBe(200); // the first use: confirmed
    const confirmed = await sessionRow(u);
    expect(confirmed.previous_refresh_token_hash).toBeNull();
    expect(confirmed.version).not.toBe(pending.version);
    for (let i = 0; i < 5; i++) expect((await me(next.accessToken)).status).toBe(200);
    expect((await sessionRow(u)).version).toBe(confirmed.version);
  });
});
