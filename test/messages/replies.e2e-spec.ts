import { randomUUID } from 'node:crypto';
import { expectError, ok, Reply, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { asyncApi } from '../support/asyncapi';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { StatementRecorder } from '../support/statement-recorder';
import { chatReads } from '../chats/support';
import { messageHelpers } from './support';

/**
 * Replies (v1.1): `replyToSeq` on send, REST and socket; `replyTo` on every message, showing the
 * original as it is now. One send statement in flight, so that concurrent sends are stored together.
 */
describe('messages: replies', () => {
  const recorder = new StatementRecorder();
  const svc = useService({ SEND_STATEMENTS_IN_FLIGHT: '1' }, { connectVia: (url) => recorder.proxy(url) });
  const { api } = svc;
  afterAll(() => recorder.close());
  const sockets = useSockets();
  const { detail } = chatReads(svc);
  const { sendOk, historyOk, dbLastSeq } = messageHelpers(svc);
  let a: TestUser, b: TestUser, c: TestUser, outsider: TestUser;
  let ab: string;
  let group: string;
  beforeAll(async () => {
    [a, b, c, outsider] = await api.newUsers(4);
    ab = (await api.newDirect(a, b)).id;
    group = (await api.newGroup(a, [b, c], 'Replies')).id;
  });

  const reply = (u: TestUser, chatId: string, replyToSeq: unknown, text = 'a reply', clientId = randomUUID()) =>
    api.send(u, chatId, { clientId, text, replyToSeq });
  const replyOk = async (u: TestUser, chatId: string, replyToSeq: number, text = 'a reply') =>
    ok(await reply(u, chatId, replyToSeq, text), 201);
  const seen = async (u: TestUser, chatId: string, seq: number): Promise<MessageDto> =>
    (await historyOk(u, chatId, { limit: 100 })).items.find((m) => m.seq === seq)!;

  it('stores a reply: replyTo { seq, senderId, text, deleted } in the answer, the history and the chat list of both', async () => {
    const original = await sendOk(b, ab, 'question?');
    const answer = await replyOk(a, ab, original.seq, 'answer!');
    const replyTo = { seq: original.seq, senderId: b.id, text: 'question?', deleted: false };
    expect(answer).toMatchObject({ text: 'answer!', replyTo, status: 'sent' });
    for (const u of [a, b]) {
      expect((await seen(u, ab, answer.seq)).replyTo).toEqual(replyTo);
      expect((await detail(u, ab)).lastMessage).toMatchObject({ id: answer.id, replyTo });
    }
    // Every other message says it replies to nothing.
    expect((await seen(a, ab, original.seq)).replyTo).toBeNull();
  });

  it('shows the original as it is now: a later edit, then a delete for everyone (text null, deleted true)', async () => {
    const original = await sendOk(b, ab, 'first draft');
    const answer = await replyOk(a, ab, original.seq);
    ok(await api.edit(b, ab, original.seq, { text: 'final text' }), 200);
    expect((await seen(a, ab, answer.seq)).replyTo).toEqual({ seq: original.seq, senderId: b.id, text: 'final text', deleted: false });
    expect((await detail(b, ab)).lastMessage?.replyTo?.text).toBe('final text');

    expect((await api.deleteMessage(b, ab, original.seq, 'everyone')).status).toBe(204);
    for (const u of [a, b]) {
      expect((await seen(u, ab, answer.seq)).replyTo).toEqual({ seq: original.seq, senderId: b.id, text: null, deleted: true });
    }
    // The reply itself is untouched; a new reply to the tombstone is refused.
    expect((await seen(b, ab, answer.seq)).text).toBe('a reply');
    expectError(await reply(a, ab, original.seq), 422, 'MESSAGE_NOT_REPLIABLE');
  });

  it('cuts replyTo.text to the first 200 code points (an emoji is one)', async () => {
    const long = `${'😀'.repeat(150)}${'x'.repeat(100)}`;
    const original = await sendOk(b, ab, long);
    const answer = await replyOk(a, ab, original.seq);
    const expected = `${'😀'.repeat(150)}${'x'.repeat(50)}`;
    expect(answer.replyTo?.text).toBe(expected);
    expect((await seen(b, ab, answer.seq)).replyTo?.text).toBe(expected);
    expect([...expected]).toHaveLength(200);
  });

  it('refuses what the sender cannot see (404) and what takes no reply (422), storing nothing', async () => {
    const hidden = await sendOk(b, group, 'hidden from a');
    expect((await api.deleteMessage(a, group, hidden.seq)).status).toBe(204);
    const tombstone = await sendOk(b, group, 'gone');
    expect((await api.deleteMessage(b, group, tombstone.seq, 'everyone')).status).toBe(204);
    const before = await dbLastSeq(group);

    expectError(await reply(a, group, 9999), 404, 'MESSAGE_NOT_FOUND');
    expectError(await reply(a, group, hidden.seq), 404, 'MESSAGE_NOT_FOUND');
    // A seq that only another chat has: only the chat sent to counts.
    const ac = (await api.newDirect(a, c)).id;
    expect(await dbLastSeq(ac)).toBeLessThan(hidden.seq);
    expectError(await reply(a, ac, hidden.seq), 404, 'MESSAGE_NOT_FOUND');
    expectError(await reply(a, group, 1), 422, 'MESSAGE_NOT_REPLIABLE'); // "created the group"
    expectError(await reply(a, group, tombstone.seq), 422, 'MESSAGE_NOT_REPLIABLE');
    expectError(await reply(outsider, group, hidden.seq), 404, 'CHAT_NOT_FOUND');
    expect(await dbLastSeq(group)).toBe(before);
    // Others who can see it may reply to it.
    expect((await replyOk(c, group, hidden.seq)).replyTo).toMatchObject({ text: 'hidden from a' });
  });

  it('refuses a reply to a message before the sender’s dialog cut-off (404)', async () => {
    const [x, y] = await api.newUsers(2);
    const chat = (await api.newDirect(x, y)).id;
    const old = await sendOk(y, chat, 'before the cut-off');
    expect((await api.deleteChat(x, chat)).status).toBe(204);
    expectError(await reply(x, chat, old.seq), 404, 'MESSAGE_NOT_FOUND');
    expect((await replyOk(y, chat, old.seq)).replyTo?.seq).toBe(old.seq);
  });

  it('validates replyToSeq: a positive integer; null or absent is no reply', async () => {
    for (const bad of [0, -1, 1.5, '1', 2 ** 31, true, {}]) expectError(await reply(a, ab, bad), 400, 'VALIDATION_FAILED');
    expect(ok(await reply(a, ab, null), 201).replyTo).toBeNull();
  });

  it('a retry with the same clientId answers the first message, even once its original is deleted', async () => {
    const original = await sendOk(b, ab, 'to be deleted');
    const clientId = randomUUID();
    const first = ok(await reply(a, ab, original.seq, 'sure', clientId), 201);
    expect((await api.deleteMessage(b, ab, original.seq, 'everyone')).status).toBe(204);
    const again = ok(await reply(a, ab, original.seq, 'sure', clientId), 200);
    expect(again).toMatchObject({ id: first.id, seq: first.seq, replyTo: { seq: original.seq, text: null, deleted: true } });
  });

  it('concurrent sends stored together: each reply gets its own answer, a refused one spoils none of the others', async () => {
    const original = await sendOk(b, group, 'pick me');
    const answers: Array<Reply<MessageDto>> = await Promise.all([
      ...[a, b, c].flatMap((u) => [reply(u, group, original.seq, `re ${u.username}`), api.send(u, group, { text: 'plain' })]),
      reply(a, group, 9999),
      reply(c, group, 1),
    ]);
    const stored = answers.slice(0, 6);
    expect(stored.map((r) => r.status)).toEqual(stored.map(() => 201));
    expect(stored.map((r) => r.body.replyTo?.seq ?? null)).toEqual([original.seq, null, original.seq, null, original.seq, null]);
    expectError(answers[6], 404, 'MESSAGE_NOT_FOUND');
    expectError(answers[7], 422, 'MESSAGE_NOT_REPLIABLE');
    const { rows } = await svc.db.query<{ seq: number }>('SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq', [group]);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  });

  it('a reply may carry attachments; a forward copies no replyTo', async () => {
    const original = await sendOk(b, ab, 'send me the file');
    const { rows } = await svc.db.query<{ id: string }>(
      `INSERT INTO attachments (uploader_id, filename, mime_type, size, sha256, storage_key)
       VALUES ($1, 'f.txt', 'application/octet-stream', 0, repeat('0', 64), 'k-' || gen_random_uuid()) RETURNING id`,
      [a.id],
    );
    const withFile = ok(await api.send(a, ab, { text: 'here', attachmentIds: [rows[0].id], replyToSeq: original.seq }), 201);
    expect(withFile).toMatchObject({ replyTo: { seq: original.seq, text: 'send me the file' }, attachments: [{ id: rows[0].id }] });
    expectError(await api.send(a, ab, { text: 'x', attachmentIds: [rows[0].id], replyToSeq: 9999 }), 404, 'MESSAGE_NOT_FOUND');

    const ac = (await api.newDirect(a, c)).id;
    const forwarded = ok(await api.forward(a, ac, { fromChatId: ab, seqs: [withFile.seq] }), 201).items[0];
    expect(forwarded).toMatchObject({ text: 'here', replyTo: null, forwardedFrom: { chatId: ab, seq: withFile.seq } });
  });

  it('over sockets: message:send takes replyToSeq; the ack and message:new carry replyTo; refusals are ack errors', async () => {
    const original = await sendOk(b, ab, 'over the socket');
    const [a1, b1] = [await sockets.open(svc, a), await sockets.open(svc, b)];
    const ack = await a1.call('message:send', { chatId: ab, clientId: randomUUID(), text: 'ok', replyToSeq: original.seq });
    const replyTo = { seq: original.seq, senderId: b.id, text: 'over the socket', deleted: false };
    expect(ack).toMatchObject({ ok: true, data: { replyTo } });
    const event = await b1.waitFor('message:new', (m) => m.id === ack.data.id);
    expect(event).toEqual({ ...ack.data, status: null });
    asyncApi().ack('message:send', ack);
    asyncApi().serverEvent('message:new', event);

    // An edit of the reply is announced with its replyTo.
    ok(await api.edit(a, ab, ack.data.seq, { text: 'ok, edited' }), 200);
    expect(await b1.waitFor('message:updated', (m) => m.id === ack.data.id)).toMatchObject({ text: 'ok, edited', replyTo });

    const missing = await a1.call('message:send', { chatId: ab, clientId: randomUUID(), text: 'x', replyToSeq: 9999 });
    expect(missing).toMatchObject({ ok: false, error: { statusCode: 404, code: 'MESSAGE_NOT_FOUND' } });
    const bad = await a1.call('message:send', { chatId: ab, clientId: randomUUID(), text: 'x', replyToSeq: 'one' });
    expect(bad).toMatchObject({ ok: false, error: { statusCode: 400, code: 'VALIDATION_FAILED' } });
  });

  it('system messages and command answers say replyTo null; a command ignores replyToSeq', async () => {
    const res = await api.post<{ message: MessageDto | null }>(`/api/chats/${group}/messages`, a, {
      clientId: randomUUID(),
      text: '/title Renamed',
      replyToSeq: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatchObject({ type: 'system', replyTo: null, mentions: [] });
  });

  it('keeps the plain send one statement; a reply is checked in that same statement', async () => {
    const original = await sendOk(b, ab, 'counted');
    const statementsOf = async (body: Record<string, unknown>) => {
      recorder.statements.length = 0;
      ok(await api.send(a, ab, body), 201);
      return [...recorder.statements];
    };
    const plain = await statementsOf({ text: 'plain' });
    // The session check, then the send.
    expect(plain).toHaveLength(2);
    const isSend = (sql: string) => sql.startsWith('WITH input AS');
    expect(isSend(plain[1])).toBe(true);
    // A reply: the same two, its check inside the send statement.
    const replying = await statementsOf({ text: 'replying', replyToSeq: original.seq });
    expect(replying.map(isSend)).toEqual([false, true]);
    expect(replying[0]).toBe(plain[0]);
    // An @name costs one lookup of who that is, before the send, the first time this instance meets it.
    const mentioning = await statementsOf({ text: `hey @${b.username}` });
    expect(mentioning.map(isSend)).toEqual([false, false, true]);
    expect(mentioning[1]).toContain('"users"');
    // The same name again (in any case) costs nothing more than a plain send, and still mentions.
    const again = await statementsOf({ text: `again @${b.username.toUpperCase()}` });
    expect(again.map(isSend)).toEqual([false, true]);
    const last = ok(await api.history(b, ab, { limit: '1' }), 200).items[0];
    expect(last).toMatchObject({ text: `again @${b.username.toUpperCase()}`, mentions: [b.id] });
  });
});
