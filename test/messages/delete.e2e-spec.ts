import { expectError, ok, TestUser } from '../support/api';
import { containing } from '../support/matchers';
import { setRole } from '../support/seed';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers } from './support';

describe('messages: delete for me and for everyone', () => {
  const svc = useService();
  const { api } = svc;
  const { detail } = chatReads(svc);
  const { sendOk, historyOk, dbCount } = messageHelpers(svc);
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let other: TestUser;
  let outsider: TestUser;
  let g: string;
  beforeAll(async () => {
    [owner, admin, member, other, outsider] = await api.newUsers(5);
    g = (await api.newGroup(owner, [admin, member, other])).id;
    await setRole(svc.db, g, [admin], 'admin');
  });
  const del = (u: TestUser, chatId: string, seq: number | string, scope?: string) => api.deleteMessage(u, chatId, seq, scope);
  const find = async (u: TestUser, chatId: string, seq: number) =>
    (await historyOk(u, chatId, { limit: 100 })).items.find((m) => m.seq === seq);
  const row = async (id: string) =>
    (await svc.db.query<{ text: string; deleted_at: Date | null }>('SELECT text, deleted_at FROM messages WHERE id = $1', [id])).rows;

  it('delete for me (the default) hides the message for the caller only; the row stays', async () => {
    const m = await sendOk(member, g, 'hide me');
    expect((await del(other, g, m.seq)).status).toBe(204);
    expect(await find(other, g, m.seq)).toBeUndefined();
    // Once hidden, it is not there for the caller any more.
    expectError(await del(other, g, m.seq), 404, 'MESSAGE_NOT_FOUND');
    expect(await find(member, g, m.seq)).toEqual(containing({ text: 'hide me', deleted: false }));
    expect((await del(member, g, m.seq, 'me')).status).toBe(204);
    expect(await find(member, g, m.seq)).toBeUndefined();
    expect(await find(owner, g, m.seq)).toEqual(containing({ text: 'hide me' }));
    expect(await row(m.id)).toEqual([{ text: 'hide me', deleted_at: null }]);
    // Anyone can delete anyone's message for themselves, but not for others.
    expectError(await api.edit(member, g, m.seq, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
  });

  it('a message deleted for me leaves my chat summary: last message and unread count skip it', async () => {
    const [x, y] = await api.newUsers(2);
    const c = (await api.newDirect(x, y)).id;
    const m1 = await sendOk(x, c, 'first');
    const m2 = await sendOk(x, c, 'second');
    expect((await detail(y, c)).unreadCount).toBe(2);
    ok(await del(y, c, m2.seq), 204);
    const summary = await detail(y, c);
    expect(summary.lastMessage?.id).toBe(m1.id);
    expect(summary.unreadCount).toBe(1);
    expect(summary.lastSeq).toBe(m2.seq);
    expect((await detail(x, c)).lastMessage?.id).toBe(m2.id);
  });

  it('delete for everyone by the sender leaves a tombstone for all: deleted, text null, attachments []', async () => {
    const m = await sendOk(member, g, 'regret');
    expect((await del(member, g, m.seq, 'everyone')).status).toBe(204);
    for (const u of [owner, admin, member, other]) {
      const seen = await find(u, g, m.seq);
      expect(seen).toEqual(containing({ id: m.id, seq: m.seq, senderId: member.id, deleted: true, text: null, attachments: [] }));
    }
    const [stored] = await row(m.id);
    expect(stored.text).toBe('regret');
    expect(stored.deleted_at).toBeInstanceOf(Date);
    // Again: nothing to do, still 204.
    expect((await del(member, g, m.seq, 'everyone')).status).toBe(204);
    // A tombstone cannot be edited or forwarded.
    expectError(await api.edit(member, g, m.seq, { text: 'x' }), 422, 'MESSAGE_DELETED');
    expectError(await api.forward(member, g, { fromChatId: g, seqs: [m.seq] }), 422, 'MESSAGE_NOT_FORWARDABLE');
  });

  it('delete for everyone: a plain member cannot delete someone else’s (403); the owner and an admin can', async () => {
    const m1 = await sendOk(other, g, 'one');
    const m2 = await sendOk(other, g, 'two');
    const m3 = await sendOk(owner, g, 'owner’s');
    expectError(await del(member, g, m1.seq, 'everyone'), 403, 'FORBIDDEN');
    expect((await find(member, g, m1.seq))!.deleted).toBe(false);
    expect((await del(admin, g, m1.seq, 'everyone')).status).toBe(204);
    expect((await del(owner, g, m2.seq, 'everyone')).status).toBe(204);
    expect((await del(admin, g, m3.seq, 'everyone')).status).toBe(204);
    for (const m of [m1, m2, m3]) expect(await find(other, g, m.seq)).toEqual(containing({ deleted: true, text: null }));
    expect(await dbCount(g)).toBeGreaterThanOrEqual(m3.seq);
  });

  it('in a direct chat only the sender can delete for everyone', async () => {
    const c = (await api.newDirect(member, other)).id;
    const m = await sendOk(member, c, 'mine');
    expectError(await del(other, c, m.seq, 'everyone'), 403, 'FORBIDDEN');
    expect((await del(member, c, m.seq, 'everyone')).status).toBe(204);
  });

  it('answers 404 to non-members and unknown seqs, 400 to a bad seq or scope', async () => {
    const m = await sendOk(owner, g, 'x');
    expectError(await del(outsider, g, m.seq), 404, 'CHAT_NOT_FOUND');
    expectError(await del(outsider, g, m.seq, 'everyone'), 404, 'CHAT_NOT_FOUND');
    expectError(await del(owner, g, 9999), 404, 'MESSAGE_NOT_FOUND');
    expectError(await del(owner, g, 'abc'), 400, 'VALIDATION_FAILED');
    expectError(await del(owner, g, 0), 400, 'VALIDATION_FAILED');
    expectError(await del(owner, g, m.seq, 'all'), 400, 'VALIDATION_FAILED');
    expect((await find(owner, g, m.seq))!.deleted).toBe(false);
  });
});
