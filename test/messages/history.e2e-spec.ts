import { randomUUID } from 'node:crypto';
import { expectError, TestUser } from '../support/api';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers, newPair, range, seqsOf } from './support';

describe('messages: history pages', () => {
  const svc = useService();
  const { api } = svc;
  const { listIds } = chatReads(svc);
  const { sendOk, sendMany, historyOk, walk, dbCount } = messageHelpers(svc);
  let a: TestUser, b: TestUser, outsider: TestUser, chatId: string; // made by newPair
  beforeAll(async () => {
    ({ a, b, outsider, chatId } = await newPair(api));
    // 40 messages, alternating senders.
    for (let i = 1; i <= 40; i++) await sendOk(i % 2 ? a : b, chatId, `h${i}`);
  });

  it('pages 40 messages 15 at a time with before: newest first, ascending items, no gap or duplicate', async () => {
    const first = await historyOk(a, chatId);
    expect(seqsOf(first.items)).toEqual(range(26, 40));
    expect(first.hasMore).toBe(true);
    expect(first.items.map((m) => m.text)).toEqual(range(26, 40).map((i) => `h${i}`));
    const second = await historyOk(a, chatId, { before: 26 });
    expect(seqsOf(second.items)).toEqual(range(11, 25));
    expect(second.hasMore).toBe(true);
    const third = await historyOk(a, chatId, { before: 11 });
    expect(seqsOf(third.items)).toEqual(range(1, 10));
    expect(third.hasMore).toBe(false);
  });

  it('pages 40 messages 15 at a time with after: oldest first, no gap or duplicate', async () => {
    const { pages, hasMore } = await walk(a, chatId, 'after', 15);
    expect(pages.map(seqsOf)).toEqual([range(1, 15), range(16, 30), range(31, 40)]);
    expect(hasMore).toEqual([true, true, false]);
    expect((await historyOk(a, chatId, { after: 40 })).items).toEqual([]);
    expect((await historyOk(a, chatId, { after: 40 })).hasMore).toBe(false);
  });

  it('keeps pages full when messages are deleted for me in between, both ways, and only for me', async () => {
    const hidden = [3, 12, 20, 27, 28, 33, 40];
    for (const seq of hidden) {
      expect((await api.deleteMessage(b, chatId, seq)).status).toBe(204);
    }
    const visible = range(1, 40).filter((s) => !hidden.includes(s)); // 33 messages

    const back = await walk(b, chatId, 'before');
    expect(back.pages.map((p) => p.length)).toEqual([15, 15, 3]);
    expect(back.hasMore).toEqual([true, true, false]);
    expect(
      back.pages
        .reverse()
        .flat()
        .map((m) => m.seq),
    ).toEqual(visible);

    const fwd = await walk(b, chatId, 'after');
    expect(fwd.pages.map((p) => p.length)).toEqual([15, 15, 3]);
    expect(fwd.pages.flat().map((m) => m.seq)).toEqual(visible);

    // A page that ends exactly at the last visible message says so.
    const lastFull = await historyOk(b, chatId, { before: visible[3] + 1, limit: 4 });
    expect(seqsOf(lastFull.items)).toEqual(visible.slice(0, 4));
    expect(lastFull.hasMore).toBe(false);

    // The other member still sees all 40; nothing was removed.
    expect((await walk(a, chatId, 'after', 100)).pages.flat().map((m) => m.seq)).toEqual(range(1, 40));
    expect(await dbCount(chatId)).toBe(40);
    const hides = await svc.db.query<{ seq: number }>('SELECT seq FROM message_hides WHERE user_id = $1 AND chat_id = $2 ORDER BY seq', [
      b.id,
      chatId,
    ]);
    expect(hides.rows.map((r) => r.seq)).toEqual(hidden);
  });

  it('hides what is before my dialog cut-off, keeps pages full after it, and a new message brings the chat back', async () => {
    const [x, y] = await api.newUsers(2);
    const c = (await api.newDirect(x, y)).id;
    await sendMany(x, c, 20, 'old');
    expect((await api.deleteChat(y, c)).status).toBe(204);
    expect((await historyOk(y, c)).items).toEqual([]);
    expect(await listIds(y)).not.toContain(c);
    await sendMany(x, c, 18, 'new');
    const page = await historyOk(y, c);
    expect(seqsOf(page.items)).toEqual(range(24, 38));
    expect(page.hasMore).toBe(true);
    const older = await historyOk(y, c, { before: 24 });
    expect(seqsOf(older.items)).toEqual(range(21, 23));
    expect(older.hasMore).toBe(false);
    expect(seqsOf((await historyOk(y, c, { after: 0 })).items)).toEqual(range(21, 35));
    expect(await listIds(y)).toContain(c);
    // Messages before the cut-off cannot be reached one by one either.
    expectError(await api.edit(y, c, 5, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.receipts(y, c, 5), 404, 'MESSAGE_NOT_FOUND');
    // The sender keeps everything.
    expect((await walk(x, c, 'after', 100)).pages.flat().length).toBe(38);
  });

  it('uses 15 by default, accepts up to 100 and refuses more with VALIDATION_FAILED', async () => {
    expect((await historyOk(a, chatId)).items).toHaveLength(15);
    expect((await historyOk(a, chatId, { limit: 100 })).items).toHaveLength(40);
    expect((await historyOk(a, chatId, { limit: 1 })).items.map((m) => m.seq)).toEqual([40]);
    expectError(await api.history(a, chatId, { limit: 101 }), 400, 'VALIDATION_FAILED');
    expectError(await api.history(a, chatId, { limit: 0 }), 400, 'VALIDATION_FAILED');
    expectError(await api.history(a, chatId, { limit: 'x' }), 400, 'VALIDATION_FAILED');
    expectError(await api.history(a, chatId, { before: 'abc' }), 400, 'VALIDATION_FAILED');
    expectError(await api.history(a, chatId, { after: -1 }), 400, 'VALIDATION_FAILED');
    expectError(await api.history(a, chatId, { before: 1.5 }), 400, 'VALIDATION_FAILED');
    // An object that Number() cannot convert (it threw inside the transform: a 500 before).
    const res = await api.get(`/api/chats/${chatId}/messages?before[valueOf]=1&before[toString]=1`, a);
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  it('refuses before and after together', async () => {
    expectError(await api.history(a, chatId, { before: 30, after: 10 }), 400, 'VALIDATION_FAILED');
  });

  it('answers 404 to a non-member and to an unknown chat', async () => {
    expectError(await api.history(outsider, chatId), 404, 'CHAT_NOT_FOUND');
    expectError(await api.history(a, randomUUID()), 404, 'CHAT_NOT_FOUND');
    expectError(await api.history(a, 'nope'), 400, 'VALIDATION_FAILED');
  });
});
