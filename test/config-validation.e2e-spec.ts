import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRefused } from './support/service';

/** LOG_LEVEL and HOST are checked with the rest of the configuration, before anything starts. */
describe('configuration: a bad LOG_LEVEL or HOST stops the start with exit 2, naming the variable', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'chat-config-')), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it.each<[string, Record<string, string>]>([
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['LOG_LEVEL', { LOG_LEVEL: '30' }],
    ['HOST', { HOST: 'not a host' }],
    ['HOST', { HOST: 'http://127.0.0.1' }],
    ['HOST', { HOST: '999.1.1.1' }],
  ])('%s: %j', (variable, env) => {
    const started = startRefused(env, dataDir);
    expect(started.status).toBe(2);
    expect(started.stderr).toMatch(new RegExp(`^configuration error: ${variable} `));
    // A message for the operator, not a crash: no stack trace.
    expect(started.stderr).not.toMatch(/^\s+at /m);
    // Nothing started: no embedded database.
    expect(existsSync(dataDir)).toBe(false);
  });
});
