import { once } from 'node:events';
import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expectError, ok } from '../support/api';
import { useService } from '../support/service';
import { TestPushService } from './push-service';
import { networkGuard, pushHelpers, subscribeRaw } from './support';

/**
 * No SSRF through push endpoints: only https:// to a public host, checked when a subscription is
 * stored and again, after DNS resolution, for every push. This service allows no exception
 * (PUSH_ENDPOINT_ALLOW unset), so the test's loopback listener must never see a connection. The
 * network guard answers DNS for the names below without asking any DNS server and records (and
 * blocks) any connection that would leave 127.0.0.1: nothing may even be attempted.
 */
describe('push endpoints: no SSRF, at store time and at send time', () => {
  const guard = networkGuard({ 'rebind.test': '127.0.0.1', 'mapped.test': '::ffff:127.0.0.1', 'push.public.test': '93.184.216.34' });
  const svc = useService({ ...guard.env });
  const { api } = svc;
  let push: TestPushService;
  const { settled } = pushHelpers(svc, () => push);
  /** A loopback listener that counts every connection made to it. */
  let listener: Server;
  let connections = 0;
  let port: number;

  beforeAll(async () => {
    push = await TestPushService.start();
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await push?.close();
    await new Promise((ok) => listener?.close(ok));
  });

  /** Endpoints the rule refuses, with the listener's port where a connection would go to it. */
  const REFUSED: Array<[string, (port: number) => string]> = [
    ['http:// to a public host', () => 'http://push.public.test/send/1'],
    ['https:// to 10.0.0.1', () => 'https://10.0.0.1/send/1'],
    ['https:// to 192.168.1.1', () => 'https://192.168.1.1/send/1'],
    ['https:// to the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data/'],
    ['https:// to [::1]', (p) => `https://[::1]:${p}/send/1`],
    ['https:// to [fd00::1]', () => 'https://[fd00::1]/send/1'],
    ['https:// to IPv4-mapped loopback', (p) => `https://[::ffff:127.0.0.1]:${p}/send/1`],
    ['https:// to 127.0.0.1', (p) => `https://127.0.0.1:${p}/send/1`],
    ['http:// to 127.0.0.1 (not in PUSH_ENDPOINT_ALLOW here)', (p) => `http://127.0.0.1:${p}/send/1`],
    ['https:// to localhost', (p) => `https://localhost:${p}/send/1`],
    ['https:// to a name resolving to 127.0.0.1', (p) => `https://rebind.test:${p}/send/1`],
    ['https:// to a name resolving to IPv4-mapped loopback', (p) => `https://mapped.test:${p}/send/1`],
    ['https:// to 0x7f000001 (127.0.0.1 in hex)', (p) => `https://0x7f000001:${p}/send/1`],
  ];

  it.each(REFUSED)('store time: 400 VALIDATION_FAILED for %s', async (_, endpoint) => {
    const user = await api.newUser();
    const sub = push.subscription();
    const error = expectError(await subscribeRaw(api, user, { endpoint: endpoint(port), keys: sub.keys }), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([{ field: 'endpoint', message: expect.any(String) as string }]);
  });

  it('store time: a name that does not resolve is refused too; https:// to a public host is accepted', async () => {
    const user = await api.newUser();
    const sub = push.subscription();
    expectError(await subscribeRaw(api, user, { endpoint: 'https://nowhere.test/send/1', keys: sub.keys }), 400, 'VALIDATION_FAILED');
    ok(await subscribeRaw(api, user, { endpoint: 'https://push.public.test/send/1', keys: sub.keys }), 201);
    // Accepted, but never sent to here: this user gets no message. The guard saw the refused name only.
    expect(guard.attempts()).toEqual(['lookup nowhere.test']);
  });

  it('send time: subscriptions that got in some other way (stored before a rule, DNS changed since) get no request at all', async () => {
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const session = (await svc.db.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [b.id])).rows[0].id;
    const keys = push.subscription().keys;
    // Every refused endpoint but the public host (the guard would block that connection, but it would be attempted).
    const bad = REFUSED.filter(([what]) => what !== 'http:// to a public host').map(([, endpoint]) => endpoint(port));
    // The test push service, which this service does not allow either.
    bad.push(push.subscription().endpoint);
    // Straight into the table, past the store-time check (the limit of 5 does not apply here either).
    await svc.db.query(
      `INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth)
       SELECT $1, $2, e, $4, $5 FROM unnest($3::text[]) AS e`,
      [b.id, session, bad.map((endpoint, i) => `${new URL(endpoint).href}?n=${i}`), keys.p256dh, keys.auth],
    );
    ok(await api.send(a, chatId, { text: 'where does this go?' }), 201);
    await settled();
    expect(connections).toBe(0);
    expect(guard.attempts()).toEqual(['lookup nowhere.test']);
    // Each refused push was dropped and logged, none retried.
    const dropped = svc.output().match(/push to \S+ dropped/g) ?? [];
    expect(dropped).toHaveLength(bad.length);
    // The test push service saw nothing either.
    expect(push.connections).toBe(0);
  });
});
