import { randomUUID } from 'node:crypto';
import { bearer, TestUser } from '../support/api';
import { useService } from '../support/service';
import { accessClaims, connectSocket, signToken } from '../support/sockets';
import { realtimeHelpers, REALTIME_ENV } from './support';

describe('realtime: handshake and logout', () => {
  const svc = useService(REALTIME_ENV);
  const { api } = svc;
  const { open } = realtimeHelpers(svc);

  describe('handshake', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await api.newUser();
    });

    async function refused(token: string | undefined, auth?: Record<string, unknown>) {
      await expect(connectSocket(svc.url, token, auth)).rejects.toThrow(/^unauthorized$/);
    }

    it('accepts the access token of REST', async () => {
      const socket = await open(user);
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
      const { accessToken } = await api.newSession(user);
      expect((await api.logout({ auth: bearer(accessToken) })).status).toBe(204);
      await refused(accessToken);
    });
  });

  describe('logout', () => {
    it('disconnects the sockets of that session only', async () => {
      const alice = await api.newUser();
      const other = (await api.newSession(alice)).accessToken;
      const keep = await open(alice);
      const gone1 = await open(other);
      const gone2 = await open(other);
      const closed = Promise.all([gone1.disconnected(), gone2.disconnected()]);
      expect((await api.logout({ auth: bearer(other) })).status).toBe(204);
      expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
      expect(keep.socket.connected).toBe(true);
      expect(await keep.call('messages:history', { chatId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
      await expect(connectSocket(svc.url, other)).rejects.toThrow('unauthorized');
    });
  });

  it('the socket.io server sends no client bundle and speaks only to valid handshakes', async () => {
    const res = await api.get('/socket.io/socket.io.js', null);
    expect(res.status).not.toBe(200);
    // A polling client is refused the same way as a websocket one.
    await expect(connectSocket(svc.url, 'bad', undefined, { transports: ['polling'] })).rejects.toThrow(/^unauthorized$/);
  });
});
