import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ok } from '../support/api';
import { ServiceProcess, spawnService, startRefused } from '../support/service';
import { TestPushService } from './push-service';
import { networkGuard, PUSH_ALLOW, VapidPublicKeyDto } from './support';

/** Push on the embedded database (PGlite: the migration's trigger, SKIP LOCKED, one connection). */
describe('push on embedded PostgreSQL (no DATABASE_URL)', () => {
  jest.setTimeout(120_000);
  const guard = networkGuard();
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-push-embedded-'));
  let svc: ServiceProcess | undefined;
  let push: TestPushService;

  beforeAll(async () => {
    push = await TestPushService.start();
  });
  afterAll(async () => {
    await svc?.stop('SIGKILL');
    await push?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a message to an offline member is pushed; the VAPID key made at the first start is the same after a restart', async () => {
    const env = { ...PUSH_ALLOW, ...guard.env, DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir };
    svc = await spawnService(env);
    let api = new Api(svc.url);
    const [a, b] = await api.newUsers(2);
    const chatId = (await api.newDirect(a, b)).id;
    const { publicKey } = ok(await api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', a), 200);
    push.vapidPublicKey = publicKey;
    const sub = push.subscription();
    ok(await api.post('/api/push/subscriptions', b, { endpoint: sub.endpoint, keys: sub.keys }), 201);
    const sent = ok(await api.send(a, chatId, { text: 'embedded' }), 201);
    const [p] = await push.waitFor(sub);
    expect(p.payload).toMatchObject({ messageId: sent.id, text: 'embedded' });

    expect(await svc.stop('SIGTERM')).toBe(0);
    svc = await spawnService(env);
    api = new Api(svc.url);
    expect(ok(await api.get<VapidPublicKeyDto>('/api/push/vapid-public-key', a), 200).publicKey).toBe(publicKey);
    const again = ok(await api.send(a, chatId, { text: 'after the restart' }), 201);
    await push.waitFor(sub, (x) => x.payload.messageId === again.id);
    expect(push.problems).toEqual([]);
    expect(guard.attempts()).toEqual([]);
  });
});

describe('push configuration: a bad value stops the start with exit 2, naming the variable', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'chat-push-config-')), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it.each<[string, Record<string, string>]>([
    ['VAPID_PRIVATE_KEY', { VAPID_PUBLIC_KEY: 'BEY761nUgcmif0ytjkLFITZMdsmVUeTyglpprA-JIv-w-KWht0aDOAMeXmbfir6Z5bTnOYZM366IGwLUnyJ83JE' }],
    ['VAPID_PUBLIC_KEY', { VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: 'uHBR1uQSApYq5OAcdBmgl4KHoieootvgprycBIRfLPg' }],
    ['VAPID_SUBJECT', { VAPID_SUBJECT: 'admin@example.com' }],
    ['PUSH_TTL_SECONDS', { PUSH_TTL_SECONDS: '1d' }],
    ['PUSH_ENDPOINT_ALLOW', { PUSH_ENDPOINT_ALLOW: 'https://push.example.com' }],
  ])('%s: %j', (variable, env) => {
    const started = startRefused(env, dataDir);
    expect(started.status).toBe(2);
    expect(started.stderr).toMatch(new RegExp(`^configuration error: ${variable} `));
    expect(existsSync(dataDir)).toBe(false);
  });
});
