import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { registerUser, TestUser } from '../support/api';
import { startTestService, TestService } from '../support/service';
import { connectSocket, TestSocket } from '../support/sockets';
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

// --- values ---

const FIELD_NAMES = [
  'clientId',
  'text',
  'attachmentIds',
  'chatId',
  'seq',
  'seqs',
  'fromChatId',
  'scope',
  'pinned',
  'isTyping',
  'before',
  'after',
  'limit',
  'type',
  'userId',
  'title',
  'memberIds',
  'userIds',
  'username',
  'password',
  'displayName',
  'about',
  'refreshToken',
  'cursor',
  'q',
];
const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
  'length',
  '$where',
  '$ne',
];

function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function deepObject(depth: number, key = 'a'): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}
/** Named for fast-check's reports (a symbol key: not part of the JSON nor of the socket payload). */
function named<T extends object>(name: string, value: T): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => name, enumerable: false });
  return value;
}
const HUGE = [
  'x'.repeat(200_000),
  '😀'.repeat(20_000),
  'a\u0301'.repeat(10_000),
  named(
    '20000 numbers',
    Array.from({ length: 20_000 }, (_, i) => i),
  ),
  named(
    '5000 uuids',
    Array.from({ length: 5000 }, () => randomUUID()),
  ),
  named('5000 keys', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
  named('array nested 800 deep', deepArray(800) as object),
  named('object nested 800 deep', deepObject(800) as object),
  named('__proto__ nested 800 deep', deepObject(800, '__proto__') as object),
  named('constructor nested 800 deep', deepObject(800, 'constructor') as object),
];
/** Deeper than the test process can serialise: JSON text made directly, for REST bodies and raw socket frames. */
const DEEP = 20_000;
const rawDeep = (field: string, extra = '') => ({
  arrays: `{${extra}"${field}":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
  objects: `{${extra}"${field}":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
  protos: `{${extra}"${field}":${'{"__proto__":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
});
const RAW_DEEP = Object.values(rawDeep('text'));

/** encodeURIComponent, but a lone surrogate is sent as its raw UTF-8 bytes' escape (never throws). */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}
const TRICKY = [
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  '1',
  '-1',
  '1e3',
  '0x10',
  ' 1 ',
  '1.0',
  'NaN',
  'Infinity',
  '',
  ' ',
  '\u0000',
  '\u202e',
  '\ud800',
  '\udfff',
  '\uffff',
  '\t\n\r',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  randomUUID().toUpperCase(),
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%00',
  '%',
  '${x}',
  '{{7*7}}',
  '/help',
  '//x',
  '/',
  '/title',
  '/invite',
  '/kick',
  'me',
  'everyone',
  'direct',
  'group',
  true,
  false,
  null,
  [],
  {},
  [null],
  [[]],
  [{}],
];

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...TRICKY),
);
const { value: nasty } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie('value'), { maxKeys: 4 }) },
  ),
}));

/** A valid template with each field kept, dropped or replaced, plus extra keys (maybe special ones). */
function mutated(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(
    Object.entries(template).map(([k, v]) => [
      k,
      fc.oneof({ weight: 2, arbitrary: fc.constant(v) }, { weight: 2, arbitrary: nasty }, { weight: 1, arbitrary: fc.constant(undefined) }),
    ]),
  );
  return fc.tuple(fc.record(fields), fc.dictionary(key, nasty, { maxKeys: 3 }), fc.nat(9)).map(([kept, extra, shape]) => {
    // Spread (not Object.assign): a "__proto__" key stays an own property and reaches the JSON.
    const body = { ...kept, ...(shape < 6 ? {} : extra) };
    return shape === 9 ? [body] : body; // an array where an object is expected
  });
}

/** A JSON body: mostly a mutated valid one, else any value, else text that is not JSON at all. */
function jsonBody(template: Record<string, unknown>): fc.Arbitrary<{ raw: string }> {
  return fc
    .oneof<fc.MaybeWeightedArbitrary<string>[]>(
      { weight: 6, arbitrary: mutated(template).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 2, arbitrary: nasty.map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{',
          '{"a":',
          '[1,]',
          '{"text": "\\ud800"}',
          'null',
          '"x"',
          '1',
          '{"__proto__": {"isAdmin": true}}',
          '\u0000',
          ...RAW_DEEP,
        ),
      },
    )
    .map((raw) => named(raw.length > 400 ? `${JSON.stringify(raw.slice(0, 200))}…(${raw.length} chars)` : JSON.stringify(raw), { raw }));
}

/** A query string: known and odd keys, repeated keys (arrays), bracket syntax, raw and encoded values. */
const queryPart = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...FIELD_NAMES),
      fc.constantFrom(...SPECIAL_KEYS),
      fc.constantFrom('limit[]', 'limit[a]', '__proto__[x]', 'constructor[prototype][x]'),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(
      scalar.map((v) => encode(String(v))),
      fc.constantFrom('%', '%zz', '&', '=', '', '[]', '1,2,3', ',,,', 'a'.repeat(5000), `${randomUUID()},${randomUUID()}`),
    ),
  )
  .map(([k, v]) => `${encode(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${v}`);
const query = fc.array(queryPart, { maxLength: 6 }).map((parts) => parts.join('&'));
const pathSegment = fc
  .oneof(
    fc.integer().map(String),
    fc.constantFrom('0', '-1', '1e3', '2147483648', '99999999999999999999', '1.5', 'abc', ' ', '%00', '..', randomUUID()),
    fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => s.length > 0),
  )
  .map((s) => encode(s));

describe(`fuzzing with fast-check (seed ${SEED}, ${RUNS} runs per target; replay with FUZZ_SEED=${SEED})`, () => {
  let svc: TestService;
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
    svc = await startTestService({ LOG_LEVEL: 'error' });
    [alice, bob, carol] = [await registerUser(svc.url), await registerUser(svc.url), await registerUser(svc.url)];
    chatId = (
      await request(svc.url)
        .post('/api/chats')
        .set(alice.auth)
        .send({ type: 'group', title: 'fuzz', memberIds: [bob.id] })
    ).body.id;
    for (let i = 0; i < 3; i++)
      ownSeq = (
        await request(svc.url)
          .post(`/api/chats/${chatId}/messages`)
          .set(alice.auth)
          .send({ clientId: randomUUID(), text: `own ${i}` })
      ).body.seq;
    // A message the fuzzer cannot reach: it must be there, unchanged, at the end.
    const kChat = (await request(svc.url).post('/api/chats').set(bob.auth).send({ type: 'direct', userId: carol.id })).body.id;
    const k = await request(svc.url)
      .post(`/api/chats/${kChat}/messages`)
      .set(bob.auth)
      .send({ clientId: randomUUID(), text: 'the known message' });
    known = { chatId: kChat, seq: k.body.seq, id: k.body.id, text: 'the known message' };
    socket = await connectSocket(svc.url, alice.accessToken);
  });

  afterAll(async () => {
    socket?.close();
    await svc?.close();
  });

  const check = (label: string, status: number, body: any) => {
    cases += 1;
    seen.set(`${label} ${status}`, (seen.get(`${label} ${status}`) ?? 0) + 1);
    // 431: a URL over Node's header limit (16 KiB) is refused by Node's HTTP parser itself, with no body.
    const contractBody = status === 431 || (typeof body?.code === 'string' && body.statusCode === status);
    if (status >= 500 || (status >= 400 && !contractBody)) {
      throw new Error(`${label}: ${status} ${JSON.stringify(body).slice(0, 500)}`);
    }
  };

  async function send(method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, raw?: string, auth = true) {
    let req = request(svc.url)[method](path).timeout(REQUEST_TIMEOUT_MS);
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

  const params = (extra: Partial<fc.Parameters<unknown>> = {}) => ({ seed: SEED, numRuns: RUNS, ...extra }) as fc.Parameters<any>;

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
          res = await request(svc.url)
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
        const res = await request(svc.url)
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
        let ack: any;
        try {
          ack = await socket.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, ...args);
        } catch (err) {
          throw new Error(`no ack for ${event}: ${(err as Error).message}; connected: ${socket.socket.connected}`);
        }
        cases += 1;
        const label = `socket ${event in templates ? event : '(other event)'} ${ack?.ok ? 'ok' : ack?.error?.statusCode}`;
        seen.set(label, (seen.get(label) ?? 0) + 1);
        if (typeof ack?.ok !== 'boolean') throw new Error(`malformed ack for ${event}: ${JSON.stringify(ack)}`);
        if (!ack.ok && !(ack.error?.statusCode < 500 && typeof ack.error.code === 'string')) {
          throw new Error(`${event} answered ${JSON.stringify(ack.error)}`);
        }
        if (!socket.socket.connected) throw new Error(`the socket died after ${event}`);
      }),
      params({ numRuns: RUNS * 8 }),
    );
    // Without an ack callback too: carried out, nothing breaks.
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ event, args }) => {
        socket.socket.emit(event, ...args);
        cases += 1;
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
            ack: { ok: false, error: expect.objectContaining({ statusCode: 400 }) },
          });
        }
      }
    }
    expect(await socket.call('messages:history', { chatId, limit: 1 })).toMatchObject({ ok: true });
    expect(socket.socket.connected).toBe(true);
  }, 300_000);

  let rawId = 1_000_000;
  /** Sends a socket.io EVENT frame made by hand (payload JSON as given) and waits for its ack. */
  function rawCall(event: string, json: string): Promise<any> {
    const id = rawId++;
    const engine = (socket.socket.io as unknown as { engine: any }).engine;
    const prefix = `3${id}[`; // an ACK packet (engine.io's message type is not part of it)
    return new Promise((resolve, reject) => {
      const onPacket = (p: { type: string; data?: unknown }) => {
        if (p.type !== 'message' || typeof p.data !== 'string' || !p.data.startsWith(prefix)) return;
        clearTimeout(timer);
        engine.off('packet', onPacket);
        resolve(JSON.parse(p.data.slice(prefix.length - 1))[0]);
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
    expect((await request(svc.url).get('/health')).status).toBe(200);
    const k = await request(svc.url)
      .get(`/api/chats/${known.chatId}/messages?after=${known.seq - 1}&limit=1`)
      .set(carol.auth);
    expect(k.body.items[0]).toMatchObject({ id: known.id, text: known.text, deleted: false, editedAt: null });
    const gaps = await svc.db.query('SELECT chat_id FROM messages GROUP BY chat_id HAVING max(seq) <> count(*) OR min(seq) <> 1');
    expect(gaps.rows).toEqual([]);
    const lastSeq = await svc.db.query(
      'SELECT c.id FROM chats c LEFT JOIN messages m ON m.chat_id = c.id GROUP BY c.id HAVING c.last_seq <> coalesce(max(m.seq), 0)',
    );
    expect(lastSeq.rows).toEqual([]);
    // Prototype pollution would show up here: a fresh object has no unexpected properties.
    expect((await request(svc.url).get('/api/users/me').set(alice.auth)).body).not.toHaveProperty('isAdmin');
    const internal = svc
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(internal.slice(0, 5)).toEqual([]);
    console.log(`fuzz: ${cases} cases run (seed ${SEED}); answers: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  });
});
