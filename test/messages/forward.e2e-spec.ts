import { randomUUID } from 'node:crypto';
import { expectError, ok, TestUser } from '../support/api';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers, range } from './support';

describe('messages: forward', () => {
  const svc = useService();
  const { api } = svc;
  const { detail } = chatReads(svc);
  const { sendOk, historyOk, dbLastSeq } = messageHelpers(svc);
  let a: TestUser;
  let b: TestUser;
  let c: TestUser;
  let ab: string;
  let ac: string;
  let bc: string;
  beforeAll(async () => {
    [a, b, c] = await api.newUsers(3);
    ab = (await api.newDirect(a, b)).id;
    ac = (await api.newDirect(a, c)).id;
    bc = (await api.newDirect(b, c)).id;
    await sendOk(a, ab, 'first');
    await sendOk(b, ab, 'second');
    await sendOk(a, ab, 'third');
  });

  it('copies messages in seq order into the target chat with forwardedFrom, as the caller’s', async () => {
    const before = await dbLastSeq(ac);
    const res = await api.forward(a, ac, { fromChatId: ab, seqs: [3, 1, 2] });
    expect(res.status).toBe(201);
    expect(res.body.items.map((m) => [m.seq, m.text, m.senderId, m.chatId, m.status])).toEqual([
      [before + 1, 'first', a.id, ac, 'sent'],
      [before + 2, 'second', a.id, ac, 'sent'],
      [before + 3, 'third', a.id, ac, 'sent'],
    ]);
    expect(res.body.items.map((m) => m.forwardedFrom)).toEqual([
      { chatId: ab, seq: 1, senderId: a.id },
      { chatId: ab, seq: 2, senderId: b.id },
      { chatId: ab, seq: 3, senderId: a.id },
    ]);
    const seen = (await historyOk(c, ac)).items.slice(-3);
    expect(seen.map((m) => m.id)).toEqual(res.body.items.map((m) => m.id));
    expect(seen.map((m) => m.status)).toEqual([null, null, null]);
    // The chat list moved.
    expect((await detail(c, ac)).lastMessage?.id).toBe(res.body.items[2].id);

    // Duplicates count once.
    const dup = await api.forward(a, ac, { fromChatId: ab, seqs: [2, 2, 1] });
    expect(dup.body.items.map((m) => m.forwardedFrom?.seq)).toEqual([1, 2]);

    // A forward of a forward points at the first origin.
    const again = await api.forward(c, bc, { fromChatId: ac, seqs: [res.body.items[1].seq] });
    expect(again.status).toBe(201);
    expect(again.body.items[0].forwardedFrom).toEqual({ chatId: ab, seq: 2, senderId: b.id });
  });

  it('requires membership of both chats (404), visible existing messages (404), and stores nothing on failure', async () => {
    const before = await dbLastSeq(bc);
    expectError(await api.forward(c, bc, { fromChatId: ab, seqs: [1] }), 404, 'CHAT_NOT_FOUND');
    expectError(await api.forward(a, bc, { fromChatId: ab, seqs: [1] }), 404, 'CHAT_NOT_FOUND');
    expectError(await api.forward(b, bc, { fromChatId: ab, seqs: [1, 99] }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.forward(b, bc, { fromChatId: randomUUID(), seqs: [1] }), 404, 'CHAT_NOT_FOUND');
    // Deleted for me: not forwardable by me.
    ok(await api.deleteMessage(b, ab, 1), 204);
    expectError(await api.forward(b, bc, { fromChatId: ab, seqs: [1, 2] }), 404, 'MESSAGE_NOT_FOUND');
    expect(await dbLastSeq(bc)).toBe(before);
  });

  it('refuses tombstones and system messages with 422 MESSAGE_NOT_FORWARDABLE, all or nothing', async () => {
    const g = (await api.newGroup(a, [b])).id;
    const m = await sendOk(a, g, 'ok to forward');
    const gone = await sendOk(a, g, 'gone');
    ok(await api.deleteMessage(a, g, gone.seq, 'everyone'), 204);
    const before = await dbLastSeq(ab);
    expectError(await api.forward(a, ab, { fromChatId: g, seqs: [m.seq, gone.seq] }), 422, 'MESSAGE_NOT_FORWARDABLE');
    expectError(await api.forward(a, ab, { fromChatId: g, seqs: [1] }), 422, 'MESSAGE_NOT_FORWARDABLE');
    expect(await dbLastSeq(ab)).toBe(before);
  });

  it('validates the body: 1..100 integer seqs and a UUID', async () => {
    expectError(await api.forward(a, ac, { fromChatId: ab, seqs: [] }), 400, 'VALIDATION_FAILED');
    expectError(await api.forward(a, ac, { fromChatId: ab, seqs: range(1, 101) }), 400, 'VALIDATION_FAILED');
    expectError(await api.forward(a, ac, { fromChatId: ab, seqs: [0] }), 400, 'VALIDATION_FAILED');
    expectError(await api.forward(a, ac, { fromChatId: ab, seqs: ['1x'] }), 400, 'VALIDATION_FAILED');
    expectError(await api.forward(a, ac, { fromChatId: 'nope', seqs: [1] }), 400, 'VALIDATION_FAILED');
    expectError(await api.forward(a, ac, { seqs: [1] }), 400, 'VALIDATION_FAILED');
  });

  it('forwards 100 messages in one call, in order, with consecutive seqs', async () => {
    const [x, y] = await api.newUsers(2);
    const src = (await api.newDirect(x, y)).id;
    const dst = (await api.newGroup(x, [y])).id;
    // 100 source messages, written directly: the API path is covered above.
    await seedMessages(svc.db, { chatId: src, senderId: y.id, count: 100, prefix: 'fw' });
    const res = await api.forward(x, dst, { fromChatId: src, seqs: range(1, 100).reverse() });
    expect(res.status).toBe(201);
    expect(res.body.items.map((m) => m.seq)).toEqual(range(2, 101));
    expect(res.body.items.map((m) => m.text)).toEqual(range(1, 100).map((s) => `fw${s}`));
    expect(res.body.items.map((m) => m.forwardedFrom?.seq)).toEqual(range(1, 100));
    expect(await dbLastSeq(dst)).toBe(101);
  });
});
