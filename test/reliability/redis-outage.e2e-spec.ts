import { randomUUID } from 'node:crypto';
import { Api, bearer, ok, TestUser } from '../support/api';
import { ServiceProcess, useService } from '../support/service';
import { matching } from '../support/matchers';
import { useSockets } from '../support/sockets';
import { ackWithin, alive, OwnRedis, sleep, startRedis, timed } from './support';

const ANSWER_WITHIN_MS = 10_000;

/**
 * Two instances share a database and a Redis of the test's own. Redis is killed: each instance
 * keeps serving its own sockets and REST; Redis comes back on the same port: cross-instance
 * delivery resumes, and a client that reconnects catches up over REST. Nothing is lost.
 */
describe('Redis outage with two instances', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  const a = useService(() => ({ REDIS_URL: redis.url, PRESENCE_GRACE_MS: '500' }));
  // After-all hooks run in order: both instances stop before their Redis goes.
  afterAll(() => redis?.kill());
  let b: ServiceProcess & { api: Api };
  const sockets = useSockets();
  const open = (service: { url: string }, user: TestUser) => sockets.open(service, user);
  let alice: TestUser; // on A
  let carol: TestUser; // on A
  let bob: TestUser; // on B
  let dave: TestUser; // on B
  const chats: Record<string, string> = {};
  const direct = async (x: TestUser, y: TestUser) => (await a.api.newDirect(x, y)).id;

  beforeAll(async () => {
    b = await a.another();
    [alice, carol, bob, dave] = [await a.api.newUser(), await a.api.newUser(), await b.api.newUser(), await b.api.newUser()];
    chats.ac = await direct(alice, carol);
    chats.bd = await direct(bob, dave);
    chats.ab = await direct(alice, bob);
  }, 120_000);

  it('each instance serves its own sockets while Redis is down; cross-instance delivery resumes; reconnecting clients catch up', async () => {
    const aliceA = await open(a, alice);
    const carolA = await open(a, carol);
    const bobB = await open(b, bob);
    const daveB = await open(b, dave);
    const ackedToBob: string[] = [];

    // Before: across instances.
    const first = await aliceA.call('message:send', { chatId: chats.ab, clientId: randomUUID(), text: 'before' });
    expect(first.ok).toBe(true);
    ackedToBob.push(first.data.id);
    await bobB.waitFor('message:new', (m) => m.id === first.data.id);

    // Redis goes away.
    const downAt = Date.now();
    await redis.kill();
    await sleep(300);

    // Same-instance traffic is delivered live on both instances; acks do not wait for Redis.
    for (const [from, to, chatId] of [
      [aliceA, carolA, chats.ac],
      [bobB, daveB, chats.bd],
      [carolA, aliceA, chats.ac],
    ] as const) {
      const ack = await ackWithin(from, ANSWER_WITHIN_MS, 'message:send', { chatId, clientId: randomUUID(), text: 'during the outage' });
      expect(ack).toMatchObject({ ok: true, data: { chatId } });
      await to.waitFor('message:new', (m) => m.id === ack.data.id);
    }
    // Receipts and typing within an instance too.
    expect(await ackWithin(daveB, ANSWER_WITHIN_MS, 'typing', { chatId: chats.bd, isTyping: true })).toEqual({ ok: true, data: null });
    await bobB.waitFor('typing', (t) => t.userId === dave.id);
    // Cross-instance sends are stored and acknowledged (their live delivery may be lost).
    for (let i = 0; i < 3; i++) {
      const ack = await ackWithin(aliceA, ANSWER_WITHIN_MS, 'message:send', {
        chatId: chats.ab,
        clientId: randomUUID(),
        text: `cross during ${i}`,
      });
      expect(ack).toMatchObject({ ok: true });
      ackedToBob.push(ack.data.id);
    }
    // REST works on both instances.
    const viaRest = await timed(
      b.api.request().post(`/api/chats/${chats.ab}/messages`).set(bob.auth).send({ clientId: randomUUID(), text: 'rest during' }),
      ANSWER_WITHIN_MS,
    );
    expect(viaRest.status).toBe(201);
    for (const [service, user] of [
      [a, alice],
      [b, bob],
    ] as const) {
      expect((await timed(service.api.request().get('/api/chats').set(user.auth), ANSWER_WITHIN_MS)).status).toBe(200);
      const profile = await timed(service.api.request().get(`/api/users/${carol.id}`).set(user.auth), ANSWER_WITHIN_MS);
      expect(profile.status).toBe(200);
    }
    // Health says Redis is down (and answers).
    expect(await timed(a.api.request().get('/health'), ANSWER_WITHIN_MS)).toMatchObject({
      status: 503,
      body: { code: 'UNAVAILABLE', message: matching(/^redis: /) },
    });
    // New sockets can connect, and logout still works (its cross-instance part is lost).
    const late = await open(a, carol);
    expect(await ackWithin(late, ANSWER_WITHIN_MS, 'messages:history', { chatId: chats.ac, limit: 1 })).toMatchObject({ ok: true });
    const session = await a.api.login({ username: dave.username, password: dave.password });
    expect(session.status).toBe(200);
    expect((await timed(a.api.request().post('/api/auth/logout').set(bearer(session.body.accessToken)), ANSWER_WITHIN_MS)).status).toBe(
      204,
    );
    // Down for 5 s at least: heartbeats and reconnect attempts fail meanwhile.
    await sleep(Math.max(0, 5000 - (Date.now() - downAt)));
    expect(alive(a.proc) && alive(b.proc)).toBe(true);

    // Redis is back on the same port (empty): cross-instance delivery resumes.
    await redis.start();
    const outageSeconds = (Date.now() - downAt) / 1000;
    let resumed = false;
    for (let i = 0; i < 40 && !resumed; i++) {
      const ack = await ackWithin(aliceA, ANSWER_WITHIN_MS, 'message:send', {
        chatId: chats.ab,
        clientId: randomUUID(),
        text: `probe ${i}`,
      });
      expect(ack).toMatchObject({ ok: true });
      ackedToBob.push(ack.data.id);
      resumed = await bobB
        .waitFor('message:new', (m) => m.id === ack.data.id, 500)
        .then(
          () => true,
          () => false,
        );
    }
    expect(resumed).toBe(true);
    const after = await bobB.call('message:send', { chatId: chats.ab, clientId: randomUUID(), text: 'after, from B' });
    await aliceA.waitFor('message:new', (m) => m.id === after.data.id, 5000);
    ackedToBob.push(after.data.id);
    expect((await timed(b.api.request().get('/health'), ANSWER_WITHIN_MS)).status).toBe(200);

    // Bob reconnects (a new socket, maybe on the other instance) and catches up over REST.
    bobB.close();
    await open(a, bob);
    const list = ok(await a.api.chats(bob));
    const ab = list.items.find((c) => c.id === chats.ab)!;
    expect(ab.lastSeq).toBeGreaterThanOrEqual(ackedToBob.length);
    const caughtUp = ok(await a.api.history(bob, chats.ab, { after: 0, limit: 100 }));
    const ids = new Set(caughtUp.items.map((m) => m.id));
    expect(ackedToBob.filter((id) => !ids.has(id))).toEqual([]);
    expect(caughtUp.items.map((m) => m.seq)).toEqual(Array.from({ length: ab.lastSeq }, (_, i) => i + 1));

    // Nothing lost anywhere: every chat's seq runs 1..N.
    const gaps = await a.db.query('SELECT chat_id FROM messages GROUP BY chat_id HAVING max(seq) <> count(*) OR min(seq) <> 1');
    expect(gaps.rows).toEqual([]);
    expect(alive(a.proc) && alive(b.proc)).toBe(true);
    console.log(
      `redis outage: ${outageSeconds.toFixed(1)} s survived by both instances; ${ackedToBob.length} messages to the other instance, none lost`,
    );
  }, 120_000);
});
