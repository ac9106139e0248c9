import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ok, TestUser } from '../support/api';
import type { ErrorResponseDto } from '../support/contract';
import { containing } from '../support/matchers';
import { useService } from '../support/service';
import { Ack, TestSocket, useSockets } from '../support/sockets';
import { jsonBody, mutated, nasty, pathSegment, query, rawDeep } from './fuzz-values';
import { alive } from './support';

/**
 * Property-based fuzzing (fast-check) of every write route, the query strings of the read routes
 * and every socket event, with a valid token: wrong types, huge and deep values, unicode,
 * `__proto__` / `constructor` keys, arrays for objects. Never a status ≥ 500, never a missing or
 * malformed ack, never a dead socket; afterwards the process, its health and the data are intact.
 *
 * FUZZ_SEED replays a run (the seed is printed at the start, and by fast-check on a failure);
 * FUZZ_RUNS sets the cases per route (default 120).
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const REQUEST_TIMEOUT_MS = 10_000;

/** The engine.io socket under a socket.io client: what raw frames need of it. */
interface RawEngine {
  on(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): void;
  off(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): void;
  write(data: string): void;
}

describe(`fuzzing with fast-check (seed ${SEED}, ${RUNS} runs per target; replay with FUZZ_SEED=${SEED})`, () => {
  const svc = useService({ LOG_LEVEL: 'error' });
  const { api } = svc;
  const sockets = useSockets();
  let alice: TestUser; // the fuzzer
  let bob: TestUser;
  let carol: TestUser;
  let chatId: string; // alice's group with bob
  let ownSeq: number;
  let known: { chatId: string; seq: number; id: string; text: string };
  let socket: TestSocket;
  let cases = 0;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${RUNS} runs per target`);
    [alice, bob, carol] = await api.newUsers(3);
    chatId = (await api.newGroup(alice, [bob], 'fuzz')).id;
    for (let i = 0; i < 3; i++) ownSeq = ok(await api.send(alice, chatId, { text: `own ${i}` })).seq;
    // A message the fuzzer cannot reach: it must be there, unchanged, at the end.
    const kChat = (await api.newDirect(bob, carol)).id;
    const k = ok(await api.send(bob, kChat, { text: 'the known message' }));
    known = { chatId: kChat, seq: k.seq, id: k.id, text: 'the known message' };
    socket = await sockets.open(svc, alice);
  });

  const check = (label: string, status: number, body: unknown) => {
    cases += 1;
    seen.set(`${label} ${status}`, (seen.get(`${label} ${status}`) ?? 0) + 1);
    // 431: a URL over Node's header limit (16 KiB) is refused by Node's HTTP parser itself, with no body.
    const error = body as Partial<ErrorResponseDto> | null | undefined;
    const contractBody = status === 431 || (typeof error?.code === 'string' && error.statusCode === status);
    if (status >= 500 || (status >= 400 && !contractBody)) {
      throw new Error(`${label}: ${status} ${JSON.stringify(body).slice(0, 500)}`);
    }
  };

  async function send(method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, raw?: string, auth = true) {
    let req = api.request()[method](path).timeout(REQUEST_TIMEOUT_MS);
    if (auth) req = req.set(alice.auth);
    if (raw !== undefined) req = req.set('Content-Type', 'application/json').send(raw);
    const res = await req;
    check(`${method.toUpperCase()} ${routeOf(path)}`, res.status, res.body);
    return res;
  }

  const WORDS = new Set([
    'api',
    'auth',
    'register',
    'login',
    'refresh',
    'users',
    'me',
    'chats',
    'members',
    'pin',
    'read',
    'delivered',
    'messages',
    'forward',
    'receipts',
    'attachments',
    'presence',
  ]);
  /** The route a path hits, for the summary: `/api/chats/:p/messages/:p`. */
  const routeOf = (path: string) =>
    path
      .split('?')[0]
      .split('/')
      .map((seg, i) => (i === 0 || WORDS.has(seg) ? seg : ':p'))
      .join('/');

  const params = <T>(extra: Partial<fc.Parameters<T>> = {}): fc.Parameters<T> => ({ seed: SEED, numRuns: RUNS, ...extra });

  const writeRoutes = (): Array<[string, 'post' | 'patch', string, Record<string, unknown>, boolean]> => [
    ['register', 'post', '/api/auth/register', { username: 'fuzzer', password: 'correct horse', displayName: 'F' }, false],
    ['login', 'post', '/api/auth/login', { username: alice.username, password: 'wrong password' }, false],
    ['refresh', 'post', '/api/auth/refresh', { refreshToken: 'a.b' }, false],
    ['update me', 'patch', '/api/users/me', { displayName: 'Fuzz', about: 'about' }, true],
    ['create chat', 'post', '/api/chats', { type: 'group', title: 'g', memberIds: [bob.id], userId: bob.id }, true],
    ['rename', 'patch', `/api/chats/${chatId}`, { title: 'renamed' }, true],
    ['add members', 'post', `/api/chats/${chatId}/members`, { userIds: [bob.id] }, true],
    ['read', 'post', `/api/chats/${chatId}/read`, { seq: 1 }, true],
    ['delivered', 'post', `/api/chats/${chatId}/delivered`, { seq: 1 }, true],
    ['send', 'post', `/api/chats/${chatId}/messages`, { clientId: randomUUID(), text: 'hello', attachmentIds: [] }, true],
    ['forward', 'post', `/api/chats/${chatId}/messages/forward`, { fromChatId: chatId, seqs: [1] }, true],
    ['edit', 'patch', `/api/chats/${chatId}/messages/${ownSeq}`, { text: 'edited' }, true],
  ];

  it('write routes: generated JSON bodies never get a 5xx', async () => {
    for (const [name, method, path, template, auth] of writeRoutes()) {
      await fc.assert(
        fc.asyncProperty(jsonBody(template), async ({ raw }) => {
          await send(method, path, raw, auth);
        }),
        params(),
      );
      // And always the deepest bodies, in every field.
      for (const field of Object.keys(template)) {
        for (const raw of Object.values(rawDeep(field))) await send(method, path, raw, auth);
      }
      expect({ name, alive: alive(svc.proc) }).toEqual({ name, alive: true });
    }
  }, 300_000);

  it('path parameters and query strings: never a 5xx', async () => {
    const targets: Array<[string, fc.Arbitrary<[string, string]>]> = [
      ['GET /api/chats', query.map((q) => ['get', `/api/chats?${q}`])],
      ['GET history', query.map((q) => ['get', `/api/chats/${chatId}/messages?${q}`])],
      ['GET users', query.map((q) => ['get', `/api/users?${q}`])],
      ['GET presence', query.map((q) => ['get', `/api/presence?${q}`])],
      ['DELETE message', fc.tuple(pathSegment, query).map(([s, q]) => ['delete', `/api/chats/${chatId}/messages/${s}?${q}`])],
      ['GET receipts', pathSegment.map((s) => ['get', `/api/chats/${chatId}/messages/${s}/receipts`])],
      ['PATCH message seq', pathSegment.map((s) => ['patch', `/api/chats/${chatId}/messages/${s}`])],
      ['GET chat id', pathSegment.map((s) => ['get', `/api/chats/${s}`])],
      [
        'member ids',
        fc
          .tuple(pathSegment, fc.constantFrom('delete', 'put'))
          .map(([s, m]) => [m, m === 'put' ? `/api/chats/${s}/pin` : `/api/chats/${chatId}/members/${s}`]),
      ],
      ['attachment id', pathSegment.map((s) => ['get', `/api/attachments/${s}`])],
    ];
    for (const [, arb] of targets) {
      await fc.assert(
        fc.asyncProperty(arb, async ([method, path]) => {
          await send(method as 'get', path, method === 'patch' ? JSON.stringify({ text: 'x' }) : undefined);
        }),
        params(),
      );
    }
  }, 300_000);

  it('uploads: odd file names, field names, content types and broken multipart never get a 5xx', async () => {
    const upload = fc.record({
      filename: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom('../../x', '..', '.', '', 'a/b\\c', '\u202egnp.exe', 'CON', '%00.png'),
      ),
      field: fc.oneof(fc.constant('file'), fc.string({ maxLength: 10 })),
      contentType: fc.oneof(fc.constant('application/octet-stream'), fc.string({ maxLength: 40 })),
      bytes: fc.uint8Array({ maxLength: 2048 }),
    });
    await fc.assert(
      fc.asyncProperty(upload, async ({ filename, field, contentType, bytes }) => {
        let res;
        try {
          res = await api
            .request()
            .post('/api/attachments')
            .set(alice.auth)
            .timeout(REQUEST_TIMEOUT_MS)
            .attach(field || 'file', Buffer.from(bytes), {
              filename: filename || 'f',
              contentType: /^[\x21-\x7e]+\/[\x21-\x7e]+$/.test(contentType) ? contentType : 'application/octet-stream',
            });
        } catch (err) {
          // form-data refuses some names client-side: nothing was sent.
          if (/header|invalid character/i.test(String(err))) return;
          throw err;
        }
        check('POST /api/attachments', res.status, res.body);
      }),
      params({ numRuns: Math.ceil(RUNS / 2) }),
    );
    const raw = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 500 }));
    await fc.assert(
      fc.asyncProperty(raw, async ([boundary, body]) => {
        const res = await api
          .request()
          .post('/api/attachments')
          .set(alice.auth)
          .set('Content-Type', `multipart/form-data; boundary=${boundary.replace(/[^\x20-\x7e]/g, '')}`)
          .timeout(REQUEST_TIMEOUT_MS)
          .send(body);
        check('POST /api/attachments (raw)', res.status, res.body);
      }),
      params({ numRuns: Math.ceil(RUNS / 2) }),
    );
  }, 300_000);

  it('socket events: generated payloads always get an ack below 500, and the socket stays connected', async () => {
    const templates: Record<string, Record<string, unknown>> = {
      'message:send': { chatId, clientId: randomUUID(), text: 'hi' },
      'message:edit': { chatId, seq: ownSeq, text: 'edited by socket' },
      'message:delete': { chatId, seq: 1, scope: 'me' },
      'message:forward': { chatId, fromChatId: chatId, seqs: [ownSeq] },
      'message:delivered': { chatId, seq: 1 },
      'message:read': { chatId, seq: 1 },
      'messages:history': { chatId, limit: 5 },
      'chat:pin': { chatId, pinned: true },
      'chat:delete': { chatId },
      typing: { chatId, isTyping: true },
    };
    const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
    const eventArb = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...Object.keys(templates)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).filter((e) => !RESERVED.has(e)) },
      { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'error', 'exception') },
    );
    const argsArb = (event: string) =>
      fc.oneof(
        { weight: 6, arbitrary: mutated(templates[event] ?? { chatId }).map((p) => [p]) },
        { weight: 2, arbitrary: nasty.map((p) => [p]) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => [Buffer.from(b)]) },
        { weight: 1, arbitrary: fc.array(nasty, { maxLength: 3 }) },
      );
    const caseArb = eventArb.chain((event) => argsArb(event).map((args) => ({ event, args })));
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ event, args }) => {
        let ack: Partial<Ack> | undefined;
        try {
          ack = (await socket.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, ...args)) as Partial<Ack> | undefined;
        } catch (err) {
          throw new Error(`no ack for ${event}: ${(err as Error).message}; connected: ${socket.socket.connected}`, { cause: err });
        }
        cases += 1;
        const label = `socket ${event in templates ? event : '(other event)'} ${ack?.ok ? 'ok' : ack?.error?.statusCode}`;
        seen.set(label, (seen.get(label) ?? 0) + 1);
        if (typeof ack?.ok !== 'boolean') throw new Error(`malformed ack for ${event}: ${JSON.stringify(ack)}`);
        if (!ack.ok && !((ack.error?.statusCode ?? 500) < 500 && typeof ack.error?.code === 'string')) {
          throw new Error(`${event} answered ${JSON.stringify(ack.error)}`);
        }
        if (!socket.socket.connected) throw new Error(`the socket died after ${event}`);
      }),
      params({ numRuns: RUNS * 8 }),
    );
    // Without an ack callback too: carried out, nothing breaks.
    await fc.assert(
      fc.asyncProperty(caseArb, ({ event, args }) => {
        socket.socket.emit(event, ...args);
        cases += 1;
        return Promise.resolve();
      }),
      params({ numRuns: RUNS }),
    );
    // Payloads nested deeper than a client library would serialise, as raw socket.io frames.
    for (const [event, template] of Object.entries(templates)) {
      const fields = JSON.stringify(template).slice(1, -1);
      for (const field of ['text', 'chatId', 'seq', 'zzz']) {
        for (const [kind, json] of Object.entries(rawDeep(field, fields ? `${fields},` : ''))) {
          const ack = await rawCall(event, json);
          cases += 1;
          expect({ event, field, kind, ack }).toEqual({
            event,
            field,
            kind,
            ack: { ok: false, error: containing({ statusCode: 400 }) },
          });
        }
      }
    }
    expect(await socket.call('messages:history', { chatId, limit: 1 })).toMatchObject({ ok: true });
    expect(socket.socket.connected).toBe(true);
  }, 300_000);

  let rawId = 1_000_000;
  /** Sends a socket.io EVENT frame made by hand (payload JSON as given) and waits for its ack. */
  function rawCall(event: string, json: string): Promise<unknown> {
    const id = rawId++;
    const engine = (socket.socket.io as unknown as { engine: RawEngine }).engine;
    const prefix = `3${id}[`; // an ACK packet (engine.io's message type is not part of it)
    return new Promise((resolve, reject) => {
      const onPacket = (p: { type: string; data?: unknown }) => {
        if (p.type !== 'message' || typeof p.data !== 'string' || !p.data.startsWith(prefix)) return;
        clearTimeout(timer);
        engine.off('packet', onPacket);
        resolve((JSON.parse(p.data.slice(prefix.length - 1)) as unknown[])[0]);
      };
      const timer = setTimeout(() => {
        engine.off('packet', onPacket);
        reject(new Error(`no ack for a raw ${event} frame; connected: ${socket.socket.connected}`));
      }, REQUEST_TIMEOUT_MS);
      engine.on('packet', onPacket);
      engine.write(`2${id}[${JSON.stringify(event)},${json}]`);
    });
  }

  it('afterwards: the process runs, health is 200, the data is intact, and nothing was logged as an internal error', async () => {
    expect(alive(svc.proc)).toBe(true);
    expect((await api.request().get('/health')).status).toBe(200);
    const k = await api.history(carol, known.chatId, { after: known.seq - 1, limit: 1 });
    expect(k.body.items[0]).toMatchObject({ id: known.id, text: known.text, deleted: false, editedAt: null });
    const gaps = await svc.db.query('SELECT chat_id FROM messages GROUP BY chat_id HAVING max(seq) <> count(*) OR min(seq) <> 1');
    expect(gaps.rows).toEqual([]);
    const lastSeq = await svc.db.query(
      'SELECT c.id FROM chats c LEFT JOIN messages m ON m.chat_id = c.id GROUP BY c.id HAVING c.last_seq <> coalesce(max(m.seq), 0)',
    );
    expect(lastSeq.rows).toEqual([]);
    // Prototype pollution would show up here: a fresh object has no unexpected properties.
    expect((await api.me(alice)).body).not.toHaveProperty('isAdmin');
    const internal = svc
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(internal.slice(0, 5)).toEqual([]);
    console.log(`fuzz: ${cases} cases run (seed ${SEED}); answers: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  });
});
