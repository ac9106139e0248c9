import { createClient } from '@redis/client';
import { Api, ok } from '../support/api';
import { ServiceProcess, useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { eventually } from '../support/wait';
import { TestPushService } from './push-service';
import { networkGuard, PUSH_ALLOW, pushHelpers } from './support';

// A database number of its own, so that these keys stay apart from anything else on this Redis.
const REDIS_URL = process.env.TEST_REDIS_URL_PUSH ?? 'redis://127.0.0.1:6379/7';

/**
 * Two instances on one database and one Redis: a session with a live socket on either instance
 * gets no push, whichever instance stored the message and whichever runs the worker.
 */
describe('push across two instances: per-session presence shared through Redis', () => {
  const guard = networkGuard();
  const first = useService({ ...PUSH_ALLOW, ...guard.env, REDIS_URL });
  let second: ServiceProcess & { api: Api };
  const sockets = useSockets({ afterEach: true });
  let push: TestPushService;
  const { learnVapidKey, device, subscribed, settled } = pushHelpers(first, () => push);
  const redis = createClient({ url: REDIS_URL });

  beforeAll(async () => {
    push = await TestPushService.start();
    second = await first.another();
    await redis.connect();
    await learnVapidKey(await first.api.newUser());
  });
  afterAll(async () => {
    await push?.close();
    redis.destroy();
  });
  afterEach(() => {
    expect(push.problems).toEqual([]);
    expect(guard.attempts()).toEqual([]);
  });

  /** Every instance's set of sessions with a socket there. */
  async function connectedSessions(): Promise<string[]> {
    const keys = await redis.keys('presence:instance:*:sessions');
    return (await Promise.all(keys.map((k) => redis.sMembers(k)))).flat();
  }

  it('a session connected to the other instance gets no push; the user’s offline session does; once that socket goes, it does too', async () => {
    const [a, b] = await first.api.newUsers(2);
    const chatId = (await first.api.newDirect(a, b)).id;
    const [online, offline] = [await device(b), await device(b)];
    const [subOnline, subOffline] = [await subscribed(online), await subscribed(offline)];
    const socket = await sockets.open(second, online);
    const sessionId = (
      await first.db.query<{ session_id: string }>('SELECT session_id FROM push_subscriptions WHERE endpoint = $1', [subOnline.endpoint])
    ).rows[0].session_id;
    await eventually(connectedSessions, (ids) => ids.includes(sessionId), 'the session to be listed in Redis');

    // Stored on the first instance (its worker, or the second's, expands it).
    const m1 = ok(await first.api.send(a, chatId, { text: 'one' }), 201);
    // Stored on the second.
    const m2 = ok(await second.api.send(a, chatId, { text: 'two' }), 201);
    await push.waitFor(subOffline, (p) => p.payload.messageId === m2.id);
    await settled();
    expect(push.pushesTo(subOffline).map((p) => p.payload.messageId)).toEqual([m1.id, m2.id]);
    expect(push.pushesTo(subOnline)).toEqual([]);

    socket.close();
    await eventually(connectedSessions, (ids) => !ids.includes(sessionId), 'the session to leave Redis');
    const m3 = ok(await first.api.send(a, chatId, { text: 'three' }), 201);
    const [p] = await push.waitFor(subOnline);
    expect(p.payload).toMatchObject({ messageId: m3.id, text: 'three' });
  });
});
