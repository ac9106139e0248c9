import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'openapi-cli.js');
const COMMITTED = join(ROOT, 'openapi.json');

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
/** Routes that need no bearer token (the contract: everything but register, login, refresh). */
const PUBLIC = ['/health', '/api/auth/register', '/api/auth/login', '/api/auth/refresh'];
/** Routes without a 4xx answer to document. */
const NO_CLIENT_ERRORS = ['/health', '/docs', '/docs-json'];

interface Operation {
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

describe('OpenAPI document (built without a database)', () => {
  let generated: string;
  let doc: {
    components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
    paths: Record<string, Record<string, Operation>>;
  };

  beforeAll(async () => {
    // No DATABASE_URL, no DATA_DIR: the CLI must not need (or create) a database.
    const { stdout } = await promisify(execFile)(process.execPath, [CLI], {
      env: { PATH: process.env.PATH },
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    generated = stdout;
    doc = JSON.parse(generated) as typeof doc;
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, op]) => ({ path, method, op })),
    );

  it('matches the committed openapi.json', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    if (committed !== generated) throw new Error('openapi.json is stale: run npm run openapi');
  });

  it('is pretty JSON with a trailing newline', () => {
    expect(generated).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  });

  it('documents the bearer scheme, on every route but the public ones', () => {
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const wrong = operations()
      .filter(({ path, op }) => (op.security ?? []).some((s) => 'bearer' in s) === PUBLIC.includes(path))
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(wrong).toEqual([]);
  });

  it('lists at least one 4xx error answer for every operation', () => {
    const missing = operations()
      .filter(({ path }) => !NO_CLIENT_ERRORS.includes(path))
      .filter(({ op }) => !Object.keys(op.responses).some((status) => /^4\d\d$/.test(status)))
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('covers the contract routes built so far', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/auth/register', '/api/auth/login', '/api/users/me', '/api/users/{id}', '/api/presence']),
    );
  });
});
