import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JS, TEST_JWT_SECRET } from './support/service';

interface Outcome {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs the built service with the given environment and waits for it to exit (it should, at once). */
function run(env: Record<string, string>, dataDir: string): Promise<Outcome> {
  return new Promise((ok, fail) => {
    const t0 = Date.now();
    const proc = spawn(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`still running after 15 s with ${JSON.stringify(env)}\n${stderr}`));
    }, 15_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('configuration: an invalid value stops the start and names the variable', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'chat-config-')), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  const secret = { JWT_SECRET: TEST_JWT_SECRET };
  it.each<[string, Record<string, string>]>([
    ['PORT', { ...secret, PORT: 'abc' }],
    ['PORT', { ...secret, PORT: '-1' }],
    ['MESSAGE_MAX_LENGTH', { ...secret, MESSAGE_MAX_LENGTH: '0' }],
    ['CHAT_MAX_MEMBERS', { ...secret, CHAT_MAX_MEMBERS: '1' }],
    ['ATTACHMENT_MAX_BYTES', { ...secret, ATTACHMENT_MAX_BYTES: '25MB' }],
    ['PRESENCE_GRACE_MS', { ...secret, PRESENCE_GRACE_MS: '1.5' }],
    ['HISTORY_PAGE_SIZE', { ...secret, HISTORY_PAGE_SIZE: '200', HISTORY_PAGE_MAX: '100' }],
    ['DATABASE_URL', { ...secret, DATABASE_URL: 'mysql://x' }],
    ['REDIS_URL', { ...secret, REDIS_URL: 'not a url' }],
    ['ACCESS_TOKEN_TTL', { ...secret, ACCESS_TOKEN_TTL: 'forever' }],
    ['REFRESH_TOKEN_TTL', { ...secret, REFRESH_TOKEN_TTL: '0d' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['JWT_SECRET', { NODE_ENV: 'production' }],
  ])('%s: %j', async (variable, env) => {
    const { code, stderr, ms } = await run(env, dataDir);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain(variable);
    // It stops before anything starts: no database, no listening socket.
    expect(ms).toBeLessThan(10_000);
    expect(existsSync(dataDir)).toBe(false);
  });
});
