import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, bearer, Caller, ok, reply, TestUser } from '../support/api';
import { TestService, useService } from '../support/service';
import { eventually } from '../support/wait';
import type { PushSubscriptionDto, PushSubscriptionListDto, VapidPublicKeyDto } from '../../src/push/dto/push.dto';
import { BrowserSubscription, TestPushService } from './push-service';

export type { PushSubscriptionDto, PushSubscriptionListDto, VapidPublicKeyDto };

/** The service may push to the test's own push service on 127.0.0.1 (and nowhere else on loopback). */
export const PUSH_ALLOW = { PUSH_ENDPOINT_ALLOW: '127.0.0.1' };

/**
 * The network guard (network-guard.js) for a service under test: it may connect to 127.0.0.1 only
 * and resolve only `localhost` and `hosts` (name → address, answered without DNS). `attempts()`
 * lists what it refused (lookups of other names, connections elsewhere); a spec asserts it is empty.
 */
export function networkGuard(hosts: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'push-guard-'));
  const log = join(dir, 'attempts.log');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    env: {
      NODE_OPTIONS: `--require ${join(__dirname, 'network-guard.js')}`,
      NETWORK_GUARD_LOG: log,
      NETWORK_GUARD_HOSTS: Object.entries(hosts)
        .map(([name, address]) => `${name}=${address}`)
        .join(','),
    },
    attempts: (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** Another device of a user: a session of its own, with its token. */
export interface Device {
  user: TestUser;
  auth: Record<string, string>;
  accessToken: string;
}

export function subscribeRaw(api: Api, who: Caller, body: unknown) {
  return api.post<PushSubscriptionDto>('/api/push/subscriptions', who, body);
}

/** The push routes and waits every push spec uses. */
export function pushHelpers(svc: TestService, push: () => TestPushService) {
  const { api } = svc;
  return {
    /** The service's VAPID public key; the test push service checks every push against it. */
    learnVapidKey: async (who: Caller): Promise<string> => {
      const { publicKey } = ok(await api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', who), 200);
      push().vapidPublicKey = publicKey;
      return publicKey;
    },

    /** A new login of the user: another device. */
    device: async (user: TestUser): Promise<Device> => {
      const { accessToken } = await api.newSession(user);
      return { user, accessToken, auth: bearer(accessToken) };
    },

    /** A browser-like subscription on the test push service, stored for this session. */
    subscribed: async (who: Caller): Promise<BrowserSubscription> => {
      const sub = push().subscription();
      ok(await subscribeRaw(api, who, { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }), 201);
      return sub;
    },

    list: (who: Caller) => {
      return reply<PushSubscriptionListDto>(api.request().get('/api/push/subscriptions').set(who!.auth));
    },

    /**
     * Waits until the worker has nothing left: every outbox row expanded and every delivery sent or
     * dropped. After that, a push that did not arrive will not arrive.
     */
    settled: async (timeoutMs = 20_000): Promise<void> => {
      await eventually(
        async () =>
          (
            await svc.db.query<{ n: number }>(
              'SELECT ((SELECT count(*) FROM push_outbox) + (SELECT count(*) FROM push_deliveries))::int AS n',
            )
          ).rows[0].n,
        (n) => n === 0,
        'the push outbox and deliveries to empty',
        timeoutMs,
      );
    },
  };
}

/**
 * What most push specs start with: a service that may push only to the test's own push service
 * (and reach nothing else: the network guard), that push service, its VAPID key learnt, and, after
 * each test unless `checkEachTest` is false, the checks that every push passed the push service's
 * checks (VAPID, encryption, headers) and that nothing left loopback.
 */
export function usePushSetup({ checkEachTest = true } = {}) {
  const guard = networkGuard();
  const svc = useService({ ...PUSH_ALLOW, ...guard.env });
  const push = new TestPushService();
  const helpers = pushHelpers(svc, () => push);
  beforeAll(async () => {
    await push.listen();
    await helpers.learnVapidKey(await svc.api.newUser());
  });
  afterAll(() => push.close());
  if (checkEachTest)
    afterEach(() => {
      expect(push.problems).toEqual([]);
      expect(guard.attempts()).toEqual([]);
    });

  return {
    ...helpers,
    svc,
    api: svc.api,
    guard,
    push,
    /** Two new users and their direct chat. */
    directChat: async (): Promise<{ a: TestUser; b: TestUser; chatId: string }> => {
      const [a, b] = await svc.api.newUsers(2);
      return { a, b, chatId: (await svc.api.newDirect(a, b)).id };
    },
  };
}
