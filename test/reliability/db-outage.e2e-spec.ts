import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ok, TestUser } from '../support/api';
import { anyString, matching } from '../support/matchers';
import { useService } from '../support/service';
import { connectSocket, TestSocket, useSockets } from '../support/sockets';
import { ackWithin, alive, PgCluster, sleep, startPgCluster, timed } from './support';

/** Every answer must come within this (client timeout): "it answered", not a latency claim. */
const ANSWER_WITHIN_MS = 10_000;
const OUTAGE_MS = 5000;

/**
 * PostgreSQL (a cluster of the test's own, not the shared server) is stopped for a few seconds
 * under traffic: requests answer 503 UNAVAILABLE, socket acks `ok: false` with 503, nothing hangs,
 * the process lives on, and it serves normally again once the database is back, without a restart.
 */
describe('database outage', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster();
    const admin = new Client(cluster.url());
    await admin.connect();
    await admin.query('CREATE DATABASE chat');
    await admin.end();
  }, 120_000);
  const service = useService({}, { databaseUrl: () => cluster.url('chat') });
  // After-all hooks run in order: the service stops before its database goes.
  afterAll(() => cluster?.destroy());
  const { api } = service;
  const sockets = useSockets();
  let alice: TestUser;
  let bob: TestUser;
  let chatId: string;
  let aliceSocket: TestSocket;
  let bobSocket: TestSocket;

  beforeAll(async () => {
    [alice, bob] = await api.newUsers(2);
    chatId = (await api.newDirect(alice, bob)).id;
    aliceSocket = await sockets.open(service, alice);
    bobSocket = await sockets.open(service, bob);
  });

  it('answers 503 while down, never hangs, and recovers by itself', async () => {
    const pid = service.proc.pid;
    const known = ok(await api.send(alice, chatId, { text: 'before' }), 201);

    // Background traffic for the whole test: REST sends, socket sends, reads.
    const seen = { rest: new Map<string, number>(), acks: new Map<string, number>() };
    const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    let traffic = true;
    const restLoop = (async () => {
      while (traffic) {
        const r = await timed(
          api.request().post(`/api/chats/${chatId}/messages`).set(bob.auth).send({ clientId: randomUUID(), text: 'bg' }),
          ANSWER_WITHIN_MS,
        );
        count(seen.rest, `${r.status}${r.body?.code ? ' ' + r.body.code : ''}`);
        const g = await timed(api.request().get('/api/chats').set(alice.auth), ANSWER_WITHIN_MS);
        count(seen.rest, `${g.status}${g.body?.code ? ' ' + g.body.code : ''}`);
        await sleep(50);
      }
    })();
    const socketLoop = (async () => {
      while (traffic) {
        const a = await ackWithin(aliceSocket, ANSWER_WITHIN_MS, 'message:send', { chatId, clientId: randomUUID(), text: 'bg socket' });
        count(seen.acks, a.timeout ? 'timeout' : a.ok ? 'ok' : `${a.error?.statusCode} ${a.error?.code}`);
        await sleep(50);
      }
    })();
    await sleep(500);

    // Down.
    const downAt = Date.now();
    cluster.stopNow();
    await sleep(500);

    const send = await timed(
      api.request().post(`/api/chats/${chatId}/messages`).set(alice.auth).send({ clientId: randomUUID(), text: 'during' }),
      ANSWER_WITHIN_MS,
    );
    expect(send).toMatchObject({ status: 503, body: { statusCode: 503, code: 'UNAVAILABLE', message: anyString() } });
    const list = await timed(api.request().get('/api/chats').set(alice.auth), ANSWER_WITHIN_MS);
    expect(list).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const health = await timed(api.request().get('/health'), ANSWER_WITHIN_MS);
    expect(health).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE', message: matching(/^database: /) } });
    // Public routes that touch the database too.
    const login = await timed(
      api.request().post('/api/auth/login').send({ username: alice.username, password: alice.password }),
      ANSWER_WITHIN_MS,
    );
    expect(login).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const ack = await ackWithin(bobSocket, ANSWER_WITHIN_MS, 'message:send', { chatId, clientId: randomUUID(), text: 'during' });
    expect(ack).toEqual({ ok: false, error: { statusCode: 503, code: 'UNAVAILABLE', message: anyString() } });
    const history = await ackWithin(bobSocket, ANSWER_WITHIN_MS, 'messages:history', { chatId });
    expect(history).toMatchObject({ ok: false, error: { statusCode: 503 } });
    // A new socket cannot be authenticated: refused as unavailable, not hanging.
    const refused = await connectSocket(service.url, alice.accessToken).then(
      (s) => {
        s.close();
        return 'connected';
      },
      (err: Error) => err.message,
    );
    expect(refused).toBe('unavailable');

    const left = OUTAGE_MS - (Date.now() - downAt);
    if (left > 0) await sleep(left);
    expect(alive(service.proc)).toBe(true);

    // Up again: the same process serves normally (a broken pooled connection is not reused).
    await cluster.start();
    const upAt = Date.now();
    const outageSeconds = (upAt - downAt) / 1000;
    let recovered = false;
    for (let i = 0; i < 150 && !recovered; i++) {
      const h = await timed(api.request().get('/health'), ANSWER_WITHIN_MS);
      recovered = h.status === 200;
      if (!recovered) await sleep(200);
    }
    expect(recovered).toBe(true);
    // Every pooled connection works again (several requests at once use several of them).
    const after = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        api
          .request()
          .post(`/api/chats/${chatId}/messages`)
          .set(i % 2 ? alice.auth : bob.auth)
          .send({ clientId: randomUUID(), text: `after ${i}` }),
      ),
    );
    expect(after.map((r) => r.status)).toEqual(after.map(() => 201));
    expect(await aliceSocket.call('message:send', { chatId, clientId: randomUUID(), text: 'socket after' })).toMatchObject({ ok: true });
    expect(aliceSocket.socket.connected).toBe(true);
    const fresh = await connectSocket(service.url, bob.accessToken);
    fresh.close();
    const read = ok(await api.history(bob, chatId, { after: known.seq - 1, limit: 1 }));
    expect(read.items[0]).toMatchObject({ id: known.id, text: 'before' });

    traffic = false;
    await Promise.all([restLoop, socketLoop]);
    expect(service.proc.pid).toBe(pid);
    expect(alive(service.proc)).toBe(true);

    // The background traffic: only successes and 503s, nothing hung, never a 500.
    const restKinds = [...seen.rest.keys()];
    const ackKinds = [...seen.acks.keys()];
    expect(restKinds.filter((k) => !['200', '201', '503 UNAVAILABLE'].includes(k))).toEqual([]);
    expect(ackKinds.filter((k) => !['ok', '503 UNAVAILABLE'].includes(k))).toEqual([]);
    expect(seen.rest.get('503 UNAVAILABLE')).toBeGreaterThan(0);
    expect(seen.acks.get('503 UNAVAILABLE')).toBeGreaterThan(0);
    console.log(
      `database outage: ${outageSeconds.toFixed(1)} s survived; background REST ${JSON.stringify(Object.fromEntries(seen.rest))}, ` +
        `acks ${JSON.stringify(Object.fromEntries(seen.acks))}`,
    );
  }, 120_000);
});
