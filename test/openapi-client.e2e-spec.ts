import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useService } from './support/service';

/**
 * The committed openapi.json as an integrator meets it: openapi-typescript makes TypeScript types
 * of it, a strict program (test/openapi-client/client.ts) is written against them with openapi-fetch,
 * and must compile and work against the real service. A response the document types as `never` or
 * `unknown`, a union a client cannot narrow, or a route that answers differently fails here.
 */

const ROOT = join(__dirname, '..');
const CLIENT_DIR = join(__dirname, 'openapi-client');
const COMMITTED_TYPES = join(CLIENT_DIR, 'api.d.ts');
/** Under the repository (test/output is ignored by git), so that the program finds openapi-fetch in its node_modules. */
const OUTPUT = join(__dirname, 'output');
const bin = (pkg: string, path: string) => join(ROOT, 'node_modules', pkg, path);
const run = promisify(execFile);

/** Runs a node script; resolves with its stdout, rejects with its output when it fails. */
async function node(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`node ${args.join(' ')} exited with ${code}:\n${stdout}${stderr}`)),
    );
    child.stdin.end(input ?? '');
  });
}

describe('openapi.json through openapi-typescript and openapi-fetch (a strict client program, real service)', () => {
  const svc = useService();
  let dir: string;
  let types: string;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    dir = mkdtempSync(join(OUTPUT, 'openapi-client-'));
    await run(process.execPath, [bin('openapi-typescript', 'bin/cli.js'), join(ROOT, 'openapi.json'), '-o', join(dir, 'api.d.ts')], {
      cwd: ROOT,
    });
    types = readFileSync(join(dir, 'api.d.ts'), 'utf8');
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('types every JSON answer: `never` content only for 204 and 304, no `unknown` nor empty object', () => {
    const lines = types.split('\n');
    const noContent = lines.flatMap((line, i) => (/^\s*content\?: never;$/.test(line) ? [i] : []));
    const statusOf = (at: number) => {
      for (let i = at; i >= 0; i--) {
        const status = /^\s*(\d{3}): \{$/.exec(lines[i]);
        if (status) return status[1];
      }
      return '(none)';
    };
    const doc = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    const bodiless = Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => Object.entries(op.responses ?? {}))
      .filter(([, response]) => !response.content)
      .map(([status]) => status);
    expect(bodiless.length).toBeGreaterThan(0);
    expect(noContent.map(statusOf).sort()).toEqual(bodiless.sort());
    expect(bodiless.every((status) => status === '204' || status === '304')).toBe(true);

    // The only empty records are the top-level ones openapi-typescript always writes.
    const emptyRecords = lines.filter((line) => line.includes('Record<string, never>'));
    expect(emptyRecords.map((line) => line.trim())).toEqual([
      'export type webhooks = Record<string, never>;',
      'export type $defs = Record<string, never>;',
    ]);
    // Code, not comments: `unknown` only as the index signature of response headers (a server may add any); no `any`.
    const code = lines.map((line) => line.replace(/\/\*.*?\*\/|^\s*(\/\*\*|\*).*$/g, '').trim()).filter(Boolean);
    expect([...new Set(code.filter((line) => /\bunknown\b/.test(line)))]).toEqual(['[name: string]: unknown;']);
    expect(code.filter((line) => /\bany\b/.test(line))).toEqual([]);
  });

  it('matches the committed test/openapi-client/api.d.ts (what the repository type-checks the program with)', async () => {
    const formatted = await node([bin('prettier', 'bin/prettier.cjs'), '--stdin-filepath', COMMITTED_TYPES], types);
    if (formatted !== readFileSync(COMMITTED_TYPES, 'utf8')) {
      throw new Error(
        'test/openapi-client/api.d.ts is stale: run npx openapi-typescript openapi.json -o test/openapi-client/api.d.ts && npx prettier --write test/openapi-client/api.d.ts',
      );
    }
  }, 30_000);

  it('compiles the client with tsc --strict against the fresh types, and it registers, chats, runs /help and /who, reads history', async () => {
    copyFileSync(join(CLIENT_DIR, 'client.ts'), join(dir, 'client.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitReturns: true,
          noEmitOnError: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: ['node'],
          rootDir: '.',
          outDir: 'out',
        },
        files: ['client.ts', 'api.d.ts'],
      }),
    );
    // One run: a type error fails it and emits nothing (noEmitOnError), as `tsc --strict --noEmit` would.
    await node([bin('typescript', 'bin/tsc'), '-p', join(dir, 'tsconfig.json')]);

    const output = await node([join(dir, 'out', 'client.js'), svc.url]);
    const printed = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
    ) as Record<string, string>;
    const [alice, bob] = printed.registered.split(', ');
    expect(alice).toMatch(/^alice_/);
    expect(printed.chat).toBe(`direct with ${bob}`);
    expect(printed.sent).toBe('#1 sent');
    expect(printed.help.split(' ')).toEqual(expect.arrayContaining(['/help', '/who', '/title', '/invite']));
    expect(printed.who.split(', ').sort()).toEqual([`${alice} (member)`, `${bob} (member)`].sort());
    expect(printed.history).toBe(`hello from ${alice}`);
  }, 120_000);
});
