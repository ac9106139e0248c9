import { createECDH, randomUUID } from 'node:crypto';
import { bearer, expectError, ok } from '../support/api';
import { startTestService } from '../support/service';
import { subscribeRaw, VapidPublicKeyDto, usePushSetup } from './support';

/** A VAPID key pair made with web-push's generateVAPIDKeys(). */
const VAPID = {
  VAPID_PUBLIC_KEY: 'BEY761nUgcmif0ytjkLFITZMdsmVUeTyglpprA-JIv-w-KWht0aDOAMeXmbfir6Z5bTnOYZM366IGwLUnyJ83JE',
  VAPID_PRIVATE_KEY: 'uHBR1uQSApYq5OAcdBmgl4KHoieootvgprycBIRfLPg',
};

describe('push subscriptions: per session, at most 5, gone at logout; the VAPID key', () => {
  const { api, push, device, subscribed, list, settled, guard, svc } = usePushSetup();

  it('GET /api/push/vapid-public-key: an uncompressed P-256 point, the same after a restart (kept in the database); a token is needed', async () => {
    const user = await api.newUser();
    const { publicKey } = ok(await api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', user), 200);
    const point = Buffer.from(publicKey, 'base64url');
    expect(point).toHaveLength(65);
    expect(point[0]).toBe(4);
    expectError(await api.get('/api/push/vapid-public-key', null), 401, 'UNAUTHORIZED');
    await svc.stop();
    await svc.restart();
    expect(ok(await api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', user), 200).publicKey).toBe(publicKey);
  });

  it('VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, when set, are the key pushes are signed with', async () => {
    const other = await startTestService({ ...VAPID, ...guard.env });
    try {
      const user = await other.api.newUser();
      expect(ok(await other.api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', user), 200).publicKey).toBe(VAPID.VAPID_PUBLIC_KEY);
    } finally {
      await other.close();
    }
  });

  it('POST stores the session’s subscription (201 { id, endpoint, createdAt }); the same endpoint again is 200 with the keys updated', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const sub = push.subscription();
    const created = ok(await subscribeRaw(api, b, { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }), 201);
    expect(created).toEqual({ id: expect.any(String) as string, endpoint: sub.endpoint, createdAt: expect.any(String) as string });
    expect(ok(await list(b), 200).items).toEqual([created]);
    push.rekey(sub);
    const again = ok(await subscribeRaw(api, b, { endpoint: sub.endpoint, keys: sub.keys }), 200);
    expect(again).toEqual(created);
    expect(ok(await list(b), 200).items).toEqual([created]);
    // The push is encrypted for the new keys (the push service decrypts with them).
    ok(await api.send(a, chatId, { text: 'new keys' }), 201);
    const [p] = await push.waitFor(sub);
    expect(p.payload).toMatchObject({ text: 'new keys' });
  });

  it('at most 5 per session: the sixth is 422 PUSH_SUBSCRIPTION_LIMIT; another session of the user has its own 5', async () => {
    const user = await api.newUser();
    for (let i = 0; i < 5; i++) await subscribed(user);
    const sixth = push.subscription();
    expectError(await subscribeRaw(api, user, { endpoint: sixth.endpoint, keys: sixth.keys }), 422, 'PUSH_SUBSCRIPTION_LIMIT');
    // Renewing one it has is no sixth.
    const [first] = ok(await list(user), 200).items;
    const renewed = push.subscription();
    ok(await subscribeRaw(api, user, { endpoint: first.endpoint, keys: renewed.keys }), 200);
    await subscribed(await device(user));
    expect(ok(await list(user), 200).items).toHaveLength(5);
  });

  it('GET lists only this session’s; DELETE removes one (204), then 404 PUSH_SUBSCRIPTION_NOT_FOUND, as for another session’s', async () => {
    const user = await api.newUser();
    const other = await device(user);
    await subscribed(user);
    await subscribed(other);
    const [mine] = ok(await list(user), 200).items;
    const [theirs] = ok(await list(other), 200).items;
    expect(mine.id).not.toBe(theirs.id);
    expectError(await api.delete(`/api/push/subscriptions/${theirs.id}`, user), 404, 'PUSH_SUBSCRIPTION_NOT_FOUND');
    ok(await api.delete(`/api/push/subscriptions/${mine.id}`, user), 204);
    expectError(await api.delete(`/api/push/subscriptions/${mine.id}`, user), 404, 'PUSH_SUBSCRIPTION_NOT_FOUND');
    expectError(await api.delete(`/api/push/subscriptions/${randomUUID()}`, user), 404, 'PUSH_SUBSCRIPTION_NOT_FOUND');
    expectError(await api.delete('/api/push/subscriptions/not-a-uuid', user), 400, 'VALIDATION_FAILED');
    expect(ok(await list(user), 200).items).toEqual([]);
    expect(ok(await list(other), 200).items).toEqual([theirs]);
  });

  it('logout removes the session’s subscriptions: that device gets no more pushes, the user’s other device still does', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const [leaving, staying] = [await device(b), await device(b)];
    const [subLeaving, subStaying] = [await subscribed(leaving), await subscribed(staying)];
    ok(await api.logout(leaving), 204);
    await settled();
    expect((await svc.db.query('SELECT 1 FROM push_subscriptions WHERE endpoint = $1', [subLeaving.endpoint])).rowCount).toBe(0);
    ok(await api.send(a, chatId, { text: 'after the logout' }), 201);
    await push.waitFor(subStaying);
    await settled();
    expect(push.pushesTo(subLeaving)).toEqual([]);
  });

  it('an endpoint is one browser’s: stored by another session (someone else logged in there), it moves to that session', async () => {
    const [a, b, c] = await api.newUsers(3);
    const chatAb = (await api.newDirect(a, b)).id;
    const chatAc = (await api.newDirect(a, c)).id;
    const sub = push.subscription();
    ok(await subscribeRaw(api, b, { endpoint: sub.endpoint, keys: sub.keys }), 201);
    const moved = ok(await subscribeRaw(api, c, { endpoint: sub.endpoint, keys: sub.keys }), 201);
    expect(ok(await list(b), 200).items).toEqual([]);
    expect(ok(await list(c), 200).items).toEqual([moved]);
    ok(await api.send(a, chatAb, { text: 'for b' }), 201);
    ok(await api.send(a, chatAc, { text: 'for c' }), 201);
    await push.waitFor(sub);
    await settled();
    expect(push.pushesTo(sub).map((p) => p.payload.text)).toEqual(['for c']);
  });

  it.each<[string, (keys: { p256dh: string; auth: string }, endpoint: string) => unknown]>([
    ['no keys', (_k, endpoint) => ({ endpoint })],
    ['keys as a string', (_k, endpoint) => ({ endpoint, keys: 'p256dh' })],
    ['no endpoint', (keys) => ({ keys })],
    ['an endpoint that is no string', (keys) => ({ endpoint: 42, keys })],
    ['an endpoint that is no URL', (keys) => ({ endpoint: 'push service', keys })],
    ['an endpoint over 2048 characters', (keys, endpoint) => ({ endpoint: `${endpoint}/${'x'.repeat(2048)}`, keys })],
    ['p256dh not base64url', (keys, endpoint) => ({ endpoint, keys: { ...keys, p256dh: 'not base64!' } })],
    ['p256dh of the wrong length', (keys, endpoint) => ({ endpoint, keys: { ...keys, p256dh: keys.p256dh.slice(0, 40) } })],
    [
      'p256dh not a point of P-256',
      (keys, endpoint) => ({ endpoint, keys: { ...keys, p256dh: Buffer.alloc(65, 4).toString('base64url') } }),
    ],
    ['p256dh a compressed point', (keys, endpoint) => ({ endpoint, keys: { ...keys, p256dh: compressedPoint() } })],
    ['auth of 15 bytes', (keys, endpoint) => ({ endpoint, keys: { ...keys, auth: Buffer.alloc(15, 1).toString('base64url') } })],
    ['an unknown field', (keys, endpoint) => ({ endpoint, keys, extra: true })],
    ['an expirationTime that is no number', (keys, endpoint) => ({ endpoint, keys, expirationTime: 'soon' })],
  ])('400 VALIDATION_FAILED for %s', async (_, body) => {
    const user = await api.newUser();
    const sub = push.subscription();
    expectError(await subscribeRaw(api, user, body(sub.keys, sub.endpoint)), 400, 'VALIDATION_FAILED');
    expect(ok(await list(user), 200).items).toEqual([]);
  });

  it('needs a token', async () => {
    const sub = push.subscription();
    expectError(await subscribeRaw(api, null, { endpoint: sub.endpoint, keys: sub.keys }), 401, 'UNAUTHORIZED');
    expectError(await api.get('/api/push/subscriptions', { auth: bearer('nope') }), 401, 'UNAUTHORIZED');
  });
});

function compressedPoint(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey(null, 'compressed').toString('base64url');
}
