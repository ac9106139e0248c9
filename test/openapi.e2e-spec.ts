import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Server as SocketServer } from 'socket.io';
import { Api } from './support/api';
import { openApi } from './support/openapi';
import { DocumentMismatch } from './support/schema-check';
import { connectSocket } from './support/sockets';
import { eventually } from './support/wait';

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

describe('the validator (test/support/openapi.ts)', () => {
  const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' };
  const json = (value: unknown) => ({ text: JSON.stringify(value) });
  const user = { id: randomUUID(), username: 'alice', displayName: 'Alice', about: '', createdAt: new Date().toISOString() };
  const error = (statusCode: number, code: string) => json({ statusCode, code, message: 'm' });
  const check =
    (method: string, path: string, status: number, headers: Record<string, string>, body: { text?: string; body?: unknown }) => () =>
      openApi().validateResponse(method, path, status, headers, body);

  it('compiles every documented answer of every operation with strict Ajv (JSON Schema 2020-12)', () => {
    expect(openApi().compileAll()).toBeGreaterThan(150);
  });

  it('accepts documented answers: a JSON body, an error of the route, no body on 204, any type on a download', () => {
    check('POST', '/api/auth/register', 201, JSON_TYPE, json({ accessToken: 'a', refreshToken: 'r', user }))();
    check('GET', '/api/users/me?x=1', 401, JSON_TYPE, error(401, 'UNAUTHORIZED'))();
    check('POST', '/api/auth/logout', 204, { 'x-request-id': 'r1' }, { text: '' })();
    const download = { 'content-type': 'image/png', 'content-length': '3', 'x-content-type-options': 'nosniff', etag: '"x"' };
    check('GET', `/api/attachments/${randomUUID()}`, 200, download, { body: Buffer.from('png') })();
    check('HEAD', `/api/attachments/${randomUUID()}`, 404, JSON_TYPE, { text: '' })();
  });

  it('refuses an undocumented field, a wrong type, a missing field, naming them, the route and the body', () => {
    expect(check('GET', '/api/users/me', 200, JSON_TYPE, json({ ...user, extra: 1 }))).toThrow(
      /GET \/api\/users\/me → 200[\s\S]*"extra" is not documented[\s\S]*body \(application\/json\): \{"id"/,
    );
    expect(check('GET', '/api/users/me', 200, JSON_TYPE, json({ ...user, about: null }))).toThrow(/\/about must be string/);
    const missing: Record<string, unknown> = { ...user };
    delete missing.createdAt;
    expect(check('GET', '/api/users/me', 200, JSON_TYPE, json(missing))).toThrow(/must have required property 'createdAt'/);
    expect(check('GET', '/api/users/me', 200, JSON_TYPE, { text: '{"id":' })).toThrow(/the body is not JSON/);
  });

  it('refuses a status the operation does not document, and an error code its route does not list', () => {
    expect(check('POST', '/api/auth/logout', 500, JSON_TYPE, error(500, 'INTERNAL'))).toThrow(
      /status 500 is not documented for POST \/api\/auth\/logout \(documented: 204, 401, 503\)/,
    );
    expect(check('GET', '/api/users/me', 401, JSON_TYPE, error(401, 'FORBIDDEN'))).toThrow(
      /\/code must be equal to one of the allowed values: \["UNAUTHORIZED"\]/,
    );
    expect(check('GET', '/api/users/me', 401, JSON_TYPE, error(403, 'UNAUTHORIZED'))).toThrow(
      /\/statusCode must be equal to constant: 401/,
    );
  });

  it('refuses another media type than the documented one, a body where none is documented, a header off its schema', () => {
    expect(check('GET', '/api/users/me', 200, { 'content-type': 'text/html' }, { text: '<p>' })).toThrow(
      /Content-Type is text\/html, the document says application\/json/,
    );
    expect(check('POST', '/api/auth/logout', 204, JSON_TYPE, { text: '{}' })).toThrow(
      /no body, but Content-Type is application\/json[\s\S]*but one came/,
    );
    const sniffing = { 'content-type': 'image/png', 'x-content-type-options': 'sniff' };
    expect(check('GET', `/api/attachments/${randomUUID()}`, 200, sniffing, { body: Buffer.from('png') })).toThrow(
      /header X-Content-Type-Options: "sniff" must be equal to one of the allowed values: \["nosniff"\]/,
    );
  });

  it('finds the operation by method and template: literal segments first, HEAD as GET, query ignored', () => {
    const chat = randomUUID();
    check('POST', `/api/chats/${chat}/messages/forward`, 201, JSON_TYPE, json({ items: [] }))();
    check('PATCH', `/api/chats/${chat}/messages/forward`, 400, JSON_TYPE, error(400, 'VALIDATION_FAILED'))();
    expect(check('POST', `/api/chats/${chat}/messages/forward?limit=1`, 201, JSON_TYPE, json({ items: [], more: 1 }))).toThrow(
      /POST \/api\/chats\/\{id\}\/messages\/forward 201[\s\S]*"more" is not documented/,
    );
    check('HEAD', '/api/users/me', 200, JSON_TYPE, { text: '' })();
  });

  it('skips what is not the API: paths no template matches, routes the server does not have, preflights, Node’s own refusals', () => {
    check('GET', '/health', 200, JSON_TYPE, json({ status: 'ok', anything: true }))();
    check('GET', '/', 200, { 'content-type': 'text/html' }, { text: '<!doctype html>' })();
    check('GET', '/api/nope', 404, JSON_TYPE, error(404, 'NOT_FOUND'))();
    check('PUT', '/api/users/me', 404, JSON_TYPE, error(404, 'NOT_FOUND'))();
    check('OPTIONS', '/api/users/me', 204, {}, { text: '' })();
    check('GET', `/api/users/${'x'.repeat(20_000)}`, 431, {}, { text: '' })();
    // A documented path answering an undocumented method with anything but NOT_FOUND is a mismatch.
    expect(check('PUT', '/api/users/me', 200, JSON_TYPE, json(user))).toThrow(/the document has no PUT on \/api\/users\/me/);
  });
});

/** A stand-in for the service that answers what `answer` says: the support layer must refuse drift. */
async function fakeService(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: HttpServer }> {
  const server = createServer(answer);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the support layer checks every answer a test receives against the documents', () => {
  const closing: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it('HTTP: Api routes and Api.request() reject an answer off openapi.json, in the test that made the request', async () => {
    const fake = await fakeService((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify(req.url?.startsWith('/api/users/me') ? { id: 'not-a-uuid' } : { statusCode: 418, code: 'TEAPOT', message: 'x' }),
      );
    });
    closing.push(() => fake.server.close());
    const api = new Api(fake.url);
    await expect(api.me(null)).rejects.toThrow(DocumentMismatch);
    await expect(api.me(null)).rejects.toThrow(/GET \/api\/users\/me → 200[\s\S]*\/id must match format "uuid"/);
    await expect(api.request().post('/api/auth/login').send({})).rejects.toThrow(/status 200 is not documented|does not match/);
    // A poll that meets a mismatch fails at once instead of retrying until its timeout.
    const started = Date.now();
    await expect(
      eventually(
        () => api.me(null),
        () => true,
        'me',
        10_000,
      ),
    ).rejects.toThrow(DocumentMismatch);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('sockets: a server event, an ack and a handshake refusal off asyncapi.json fail at once, not after a timeout', async () => {
    const http = createServer();
    const io = new SocketServer(http);
    io.use((socket, next) => (socket.handshake.auth.token === 'refuse' ? next(new Error('go away')) : next()));
    io.on('connection', (socket) => {
      socket.on('typing', (_payload: unknown, ack: (answer: unknown) => void) => ack({ ok: true, data: { extra: 1 } }));
      socket.on('bad-event', () => socket.emit('typing', { chatId: randomUUID(), userId: randomUUID(), isTyping: 'yes' }));
    });
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    closing.push(() => io.close());
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    await expect(connectSocket(url, 'refuse')).rejects.toThrow(
      /connect_error does not match[\s\S]*\/message must be equal to one of the allowed values/,
    );

    const socket = await connectSocket(url, 'ok');
    await expect(socket.call('typing', { chatId: randomUUID(), isTyping: true })).rejects.toThrow(
      /ack of "typing"[\s\S]*\/data must be null/,
    );

    const started = Date.now();
    const waiting = socket.waitFor('message:new');
    socket.socket.emit('bad-event');
    await expect(waiting).rejects.toThrow(/server event "typing"[\s\S]*\/isTyping must be boolean/);
    expect(Date.now() - started).toBeLessThan(2000);

    // A mismatch no wait has seen is thrown when the socket is closed.
    const other = await connectSocket(url, 'ok');
    other.socket.emit('bad-event');
    await new Promise((ok) => setTimeout(ok, 300));
    expect(() => other.close()).toThrow(/server event "typing"/);
    socket.close();
  });
});
