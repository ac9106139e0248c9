import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Ack } from '../src/realtime/wire-events';
import { ASYNCAPI_PATH, asyncApi, AsyncApiValidator } from './support/asyncapi';
import type { ClientEventName, ClientEvents, CommandAnswerDto, MessageDto, ServerEventName, ServerEvents } from './support/contract';
import { useService } from './support/service';
import { connectSocket, TestSocket, useSockets } from './support/sockets';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'asyncapi-cli.js');
const WIRE_EVENTS = join(ROOT, 'dist', 'src', 'realtime', 'wire-events.js');
const run = promisify(execFile);

/** The events of API.md ("Realtime"): the document must have at least these. */
const CONTRACT_CLIENT_EVENTS = [
  'message:send',
  'message:edit',
  'message:delete',
  'message:forward',
  'message:delivered',
  'message:read',
  'messages:history',
  'chat:pin',
  'chat:delete',
  'typing',
];
const CONTRACT_SERVER_EVENTS = ['message:new', 'message:updated', 'receipt', 'typing', 'presence', 'chat:updated', 'chat:removed'];

describe('AsyncAPI document (built without a database)', () => {
  let generated: string;
  let wire: { client: string[]; server: string[] };

  beforeAll(async () => {
    // No DATABASE_URL, no DATA_DIR: the CLI must not need (or create) a database.
    const env = { PATH: process.env.PATH };
    const { stdout } = await run(process.execPath, [CLI], { env, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    generated = stdout;
    // The wire map as the built server has it (Nest is ESM-only: not loadable in Jest itself).
    const listing = `const w = require(${JSON.stringify(WIRE_EVENTS)});
      process.stdout.write(JSON.stringify({ client: Object.keys(w.CLIENT_EVENT_PAYLOADS), server: Object.keys(w.SERVER_EVENT_PAYLOADS) }));`;
    wire = JSON.parse((await run(process.execPath, ['-e', listing], { env, cwd: ROOT })).stdout) as typeof wire;
  });

  it('matches the committed asyncapi.json', () => {
    const committed = readFileSync(ASYNCAPI_PATH, 'utf8');
    if (committed !== generated) throw new Error('asyncapi.json is stale: run npm run asyncapi');
  });

  it('is pretty JSON with a trailing newline', () => {
    expect(generated).toBe(`${JSON.stringify(JSON.parse(generated), null, 2)}\n`);
  });

  it('is a valid AsyncAPI 3 document (@asyncapi/parser reports no error)', async () => {
    const { document, diagnostics } = await new Parser().parse(generated);
    // Number(): the severity enum of the diagnostics is another copy of @stoplight/types'.
    const errors = diagnostics
      .filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error))
      .map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    // The handshake token is a security requirement of the server.
    expect(document?.servers().all()[0].security().length).toBe(1);
  });

  it('lists exactly the events of the wire map, each client event with its acknowledgement', () => {
    const documented = new AsyncApiValidator(JSON.parse(generated) as Record<string, unknown>).events();
    expect(wire.client.length).toBeGreaterThan(0);
    expect([...documented.client].sort()).toEqual([...wire.client].sort());
    expect([...documented.server].sort()).toEqual([...wire.server].sort());
    expect(wire.client).toEqual(expect.arrayContaining(CONTRACT_CLIENT_EVENTS));
    expect(wire.server).toEqual(expect.arrayContaining(CONTRACT_SERVER_EVENTS));
  });
});

describe('the validator (test/support/asyncapi.ts)', () => {
  const message = {
    id: randomUUID(),
    chatId: randomUUID(),
    seq: 1,
    senderId: randomUUID(),
    type: 'text',
    text: 'hi',
    attachments: [],
    forwardedFrom: null,
    replyTo: null,
    mentions: [],
    event: null,
    editedAt: null,
    deleted: false,
    createdAt: new Date().toISOString(),
    clientId: randomUUID(),
    status: null,
    reactions: [],
  };

  it('accepts a well-formed payload and ack', () => {
    asyncApi().serverEvent('message:new', message);
    asyncApi().ack('message:send', { ok: true, data: { ...message, status: 'sent' } });
    asyncApi().ack('typing', { ok: true, data: null });
    asyncApi().ack('typing', { ok: false, error: { statusCode: 404, code: 'CHAT_NOT_FOUND', message: 'chat not found' } });
  });

  it('refuses an undocumented field, naming it', () => {
    expect(() => asyncApi().serverEvent('message:new', { ...message, extra: 1 })).toThrow(/"message:new"[\s\S]*"extra" is not documented/);
    expect(() =>
      asyncApi().serverEvent('receipt', { chatId: message.chatId, userId: message.senderId, type: 'read', seq: 1, at: 'x' }),
    ).toThrow(/"at" is not documented/);
  });

  it('allows null exactly where the document does', () => {
    expect(() => asyncApi().serverEvent('message:new', { ...message, seq: null })).toThrow(/\/seq must be integer/);
    expect(() => asyncApi().serverEvent('message:new', { ...message, status: 'lost' })).toThrow(
      /\/status must be equal to one of the allowed values/,
    );
    const missing: Record<string, unknown> = { ...message };
    delete missing.editedAt;
    expect(() => asyncApi().serverEvent('message:new', missing)).toThrow(/must have required property 'editedAt'/);
    asyncApi().serverEvent('message:new', { ...message, forwardedFrom: { chatId: randomUUID(), seq: 2, senderId: randomUUID() } });
    expect(() => asyncApi().serverEvent('message:new', { ...message, forwardedFrom: {} })).toThrow(/\/forwardedFrom/);
  });

  it('reports the ack alternative the answer is closest to', () => {
    expect(() => asyncApi().ack('typing', { ok: true, data: {} })).toThrow(/ack of "typing"[\s\S]*\/data must be null/);
    expect(() => asyncApi().ack('typing', { ok: false, error: { statusCode: 404, code: 'NO_SUCH_CODE', message: 'x' } })).toThrow(
      /\/error\/code/,
    );
    expect(() => asyncApi().ack('message:edit', { ok: true, data: { ...message, id: 7 } })).toThrow(/\/data\/id must be string/);
  });

  it('knows no undocumented event, and takes only a refusal as its ack', () => {
    expect(() => asyncApi().serverEvent('message:gone', {})).toThrow(/does not list/);
    asyncApi().ack('nope', { ok: false, error: { statusCode: 400, code: 'UNKNOWN_EVENT', message: 'unknown event' } });
    expect(() => asyncApi().ack('nope', { ok: true, data: null })).toThrow(/undocumented event "nope"/);
  });
});

describe('real socket traffic matches the document (real service, real PostgreSQL)', () => {
  const svc = useService({ PRESENCE_GRACE_MS: '200' });
  const { api } = svc;
  const sockets = useSockets();
  const open = (who: { accessToken: string }) => sockets.open(svc, who);
  const spec = () => asyncApi();

  /** A client event whose payload the document accepts; its ack is checked against the document (so typed by the wire map). */
  async function call<E extends ClientEventName>(socket: TestSocket, event: E, payload: ClientEvents[E]['payload']) {
    spec().clientPayload(event, payload);
    const ack: unknown = await socket.call(event, payload);
    spec().ack(event, ack);
    return ack as Ack<ClientEvents[E]['answer']>;
  }

  /** The `data` of a successful ack. */
  function data<T>(ack: Ack<T>): T {
    if (!ack.ok) throw new Error(`refused: ${JSON.stringify(ack.error)}`);
    return ack.data;
  }

  /** The next `event` matching `predicate`, checked against the document. */
  async function next<E extends ServerEventName>(
    socket: TestSocket,
    event: E,
    predicate: (payload: ServerEvents[E]) => boolean = () => true,
  ) {
    const payload = await socket.waitFor(event, predicate);
    spec().serverEvent(event, payload);
    return payload;
  }

  function isMessage(answer: MessageDto | CommandAnswerDto): answer is MessageDto {
    return !('command' in answer);
  }

  async function sendText(socket: TestSocket, chatId: string, text: string): Promise<MessageDto> {
    const answer = data(await call(socket, 'message:send', { chatId, clientId: randomUUID(), text }));
    if (!isMessage(answer)) throw new Error(`not a message: ${JSON.stringify(answer)}`);
    return answer;
  }

  it('handshake refusal, every server event, and the acks of the chat’s client events', async () => {
    const [alice, bob] = await api.newUsers(2);

    const refused = await connectSocket(svc.url, 'not-a-jwt').then(
      () => new Error('connected'),
      (err: Error) => err,
    );
    expect(refused.message).toBe('unauthorized');
    spec().connectRefusal(refused);

    const a1 = await open(alice);
    const a2 = await open(await api.newSession(alice));

    // The chat is created with Alice's sockets open: chat:updated, with a peer and no last message.
    const created = await api.createChat(alice, { type: 'direct', userId: bob.id });
    expect(created.status).toBe(201);
    const chatId = created.body.id;
    expect(await next(a1, 'chat:updated', (s) => s.id === chatId)).toMatchObject({ title: null, lastMessage: null, pinnedAt: null });

    // Bob comes online: Alice, who shares a chat with him, is told.
    const b1 = await open(bob);
    await next(a1, 'presence', (p) => p.userId === bob.id && p.online);

    expect(await call(a1, 'typing', { chatId, isTyping: true })).toEqual({ ok: true, data: null });
    await next(b1, 'typing', (t) => t.chatId === chatId && t.isTyping);

    const sent = await sendText(a1, chatId, 'hello');
    expect(sent).toMatchObject({ text: 'hello', status: 'sent', event: null, forwardedFrom: null });
    expect((await next(b1, 'message:new', (m) => m.id === sent.id)).status).toBeNull();
    expect(await next(a2, 'message:new', (m) => m.id === sent.id)).toEqual(sent);

    // A command answers with its own shape.
    const help = data(await call(a1, 'message:send', { chatId, clientId: randomUUID(), text: '/help' }));
    expect(help).toMatchObject({ type: 'command', command: 'help', message: null });

    expect(await call(b1, 'message:delivered', { chatId, seq: sent.seq })).toEqual({ ok: true, data: null });
    await next(a1, 'receipt', (r) => r.type === 'delivered');
    expect(await call(b1, 'message:read', { chatId, seq: sent.seq })).toEqual({ ok: true, data: null });
    expect(await next(a1, 'receipt', (r) => r.type === 'read')).toEqual({ chatId, userId: bob.id, type: 'read', seq: sent.seq });

    expect(data(await call(b1, 'messages:history', { chatId, limit: 10 })).items).toHaveLength(1);

    const edited = data(await call(a1, 'message:edit', { chatId, seq: sent.seq, text: 'hello again' }));
    expect(edited.editedAt).toEqual(expect.any(String));
    await next(b1, 'message:updated', (m) => m.id === sent.id);

    const [copy] = data(await call(a1, 'message:forward', { chatId, fromChatId: chatId, seqs: [sent.seq] })).items;
    expect(copy.forwardedFrom).toEqual({ chatId, seq: sent.seq, senderId: alice.id });
    await next(b1, 'message:new', (m) => m.id === copy.id);

    expect(await call(a1, 'message:delete', { chatId, seq: sent.seq, scope: 'everyone' })).toEqual({ ok: true, data: null });
    expect((await next(b1, 'message:updated', (m) => m.id === sent.id && m.deleted)).text).toBeNull();

    // Refusals: not found, and a validation error with its field details.
    const missing = await call(b1, 'messages:history', { chatId: randomUUID() });
    expect(missing.ok ? null : missing.error.code).toBe('CHAT_NOT_FOUND');
    const invalid: unknown = await b1.call('message:read', { chatId, seq: -1 });
    spec().ack('message:read', invalid);
    expect(invalid).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'seq' })] },
    });

    // Pinning reaches Alice's other device as chat:updated; deleting the dialog as chat:removed.
    expect(await call(a1, 'chat:pin', { chatId, pinned: true })).toEqual({ ok: true, data: null });
    const pinned = await next(a2, 'chat:updated', (s) => s.id === chatId && s.pinned);
    expect(pinned.pinnedAt).toEqual(expect.any(String));
    expect(pinned.lastMessage).not.toBeNull();
    expect(await call(a1, 'chat:delete', { chatId })).toEqual({ ok: true, data: null });
    await next(a2, 'chat:removed', (r) => r.chatId === chatId);

    // Bob goes: offline, with the time he was last seen.
    b1.close();
    expect((await next(a1, 'presence', (p) => p.userId === bob.id && !p.online)).lastSeenAt).toEqual(expect.any(String));

    // Nothing else the sockets received escapes the document.
    for (const socket of [a1, a2]) for (const { event, data: payload } of socket.received) spec().serverEvent(event, payload);
  });

  it('a group: system messages, with their events, in acks and events', async () => {
    const [owner, member, invited] = await api.newUsers(3);
    const o1 = await open(owner);
    const m1 = await open(member);

    const created = await api.createChat(owner, { type: 'group', title: 'team', memberIds: [member.id] });
    expect(created.status).toBe(201);
    const chatId = created.body.id;
    const summary = await next(m1, 'chat:updated', (s) => s.id === chatId);
    expect(summary).toMatchObject({ type: 'group', peer: null, lastMessage: { type: 'system', event: { kind: 'created' } } });

    const renamed = data(await call(o1, 'message:send', { chatId, clientId: randomUUID(), text: '/title new name' }));
    expect(renamed).toMatchObject({ type: 'command', command: 'title', message: { type: 'system', event: { kind: 'renamed' } } });
    await next(m1, 'message:new', (m) => m.event?.kind === 'renamed');
    await next(m1, 'chat:updated', (s) => s.id === chatId && s.title === 'new name');

    const invite = data(await call(o1, 'message:send', { chatId, clientId: randomUUID(), text: `/invite @${invited.username}` }));
    expect(invite).toMatchObject({ command: 'invite', message: { event: { kind: 'member_added', userIds: [invited.id] } } });
    await next(m1, 'message:new', (m) => m.event?.kind === 'member_added');

    for (const socket of [o1, m1]) for (const { event, data: payload } of socket.received) spec().serverEvent(event, payload);
  });
});
