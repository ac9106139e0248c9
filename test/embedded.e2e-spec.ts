import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, bearer, uniqueName } from './support/api';
import { ServiceProcess, spawnService } from './support/service';

/** The fresh-machine mode: no DATABASE_URL, PGlite under DATA_DIR. */
describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  jest.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-embedded-'));
  const env = { DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  const username = uniqueName('Emb');
  const password = 'embedded secret';
  let svc: ServiceProcess | undefined;

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(label: string): Promise<ServiceProcess> {
    const t0 = Date.now();
    const started = await spawnService(env);
    console.log(`embedded start-up (${label}): ${Date.now() - t0} ms until GET /health answered 200`);
    return started;
  }

  it('starts on an empty DATA_DIR, serves the API and the docs, and stops gracefully on SIGTERM', async () => {
    svc = await start('first start, empty DATA_DIR');
    const api = new Api(svc.url);
    const health = await api.get<{ info: { database: { status: string } } }>('/health', null);
    expect(health.status).toBe(200);
    expect(health.body.info.database.status).toBe('up');
    expect((await api.get('/docs', null)).status).toBe(200);

    const reg = await api.register({ username, password });
    expect(reg.status).toBe(201);
    // No initdb: the database came from the template `npm run build` made (src/database/embedded-template.ts).
    expect(svc.output()).toContain('copied from the build template');

    const t0 = Date.now();
    const code = await svc.stop('SIGTERM');
    console.log(`embedded graceful shutdown: exit ${code} after ${Date.now() - t0} ms`);
    expect({ code, signal: svc.proc.signalCode }).toEqual({ code: 0, signal: null });
    svc = undefined;
  });

  it('another empty DATA_DIR is a database of its own: what the first one holds is not in the template', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'chat-embedded-other-'));
    const other = await spawnService({ ...env, DATA_DIR: otherDir });
    try {
      const api = new Api(other.url);
      expect((await api.login({ username, password })).status).toBe(401);
      expect((await api.register({ username, password })).status).toBe(201);
    } finally {
      await other.stop('SIGTERM');
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('keeps the data across a restart on the same DATA_DIR', async () => {
    svc = await start('restart, existing DATA_DIR');
    const api = new Api(svc.url);
    const login = await api.login({ username, password });
    expect(login.status).toBe(200);
    expect(login.body.user.username).toBe(username);
    const me = await api.me({ auth: bearer(login.body.accessToken) });
    expect(me.status).toBe(200);
    expect(await svc.stop('SIGTERM')).toBe(0);
    svc = undefined;
  });
});
