import { expectError, ok, TestUser } from '../support/api';
import type { ChatDetailDto } from '../support/contract';
import { useService } from '../support/service';
import { chatReads, publicUser } from './support';

describe('chats: delete the dialog for me', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, list, listIds, storedMessages, memberRows } = chatReads(svc);
  const membership = async (chatId: string, user: TestUser) =>
    (
      await svc.db.query<{ hidden: boolean; cleared_seq: number }>(
        `SELECT hidden, cleared_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`,
        [chatId, user.id],
      )
    ).rows[0];

  it('hides the group from my list only; nothing is removed; a later change brings it back with only newer messages', async () => {
    const [me, other] = await api.newUsers(2);
    const chat = await api.newGroup(other, [me], 'Dialog'); // seq 1
    await api.rename(other, chat.id, 'Dialog 2'); // seq 2
    ok(await api.pin(me, chat.id), 204);
    const theirsBefore = await detail(other, chat.id);
    const theirListBefore = (await list(other)).items.find((c) => c.id === chat.id);

    expect((await api.deleteChat(me, chat.id)).status).toBe(204);
    expect(await listIds(me)).not.toContain(chat.id);
    // The other member's list and detail are unchanged.
    expect(await detail(other, chat.id)).toEqual(theirsBefore);
    expect((await list(other)).items.find((c) => c.id === chat.id)).toEqual(theirListBefore);
    // Nothing removed: the chat, both memberships and every message are still stored.
    const chatRow = await svc.db.query(`SELECT title, last_seq, member_count FROM chats WHERE id = $1`, [chat.id]);
    expect(chatRow.rows).toEqual([{ title: 'Dialog 2', last_seq: 2, member_count: 2 }]);
    const rows = await svc.db.query(
      `SELECT user_id, hidden, cleared_seq, pinned_at FROM chat_members WHERE chat_id = $1 ORDER BY user_id = $2 DESC`,
      [chat.id, me.id],
    );
    expect(rows.rows).toEqual([
      { user_id: me.id, hidden: true, cleared_seq: 2, pinned_at: null },
      { user_id: other.id, hidden: false, cleared_seq: 0, pinned_at: null },
    ]);
    expect((await storedMessages(chat.id)).map((m) => m.seq)).toEqual([1, 2]);
    // For me the chat has no visible messages any more.
    expect(await detail(me, chat.id)).toMatchObject({ lastMessage: null, unreadCount: 0, lastSeq: 2, pinned: false });

    // Another member renames it: a system message brings it back, with only what came after.
    await api.rename(other, chat.id, 'Dialog 3');
    const back = (await list(me)).items.find((c) => c.id === chat.id)!;
    expect(back).toMatchObject({ title: 'Dialog 3', lastSeq: 3, unreadCount: 1, pinned: false });
    expect(back.lastMessage).toMatchObject({ seq: 3, event: { kind: 'renamed', title: 'Dialog 3' } });
    expect(await membership(chat.id, me)).toEqual({ hidden: false, cleared_seq: 2 });
    expect((await storedMessages(chat.id)).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('hides a direct chat from my list only, frees its pin slot, and a new message brings it back with only newer messages', async () => {
    const [me, peer, ...rest] = await api.newUsers(7);
    const chat = await api.newDirect(me, peer);
    const send = async (u: TestUser, text: string) => ok(await api.send(u, chat.id, { text }), 201);
    await send(peer, 'before 1');
    await send(me, 'before 2');
    const groups: ChatDetailDto[] = [];
    for (const u of rest.slice(0, 4)) groups.push(await api.newGroup(me, [u], `pin ${u.username}`));
    for (const c of [chat, ...groups]) ok(await api.pin(me, c.id), 204);
    const extra = await api.newGroup(me, [rest[4]], 'extra');
    expectError(await api.pin(me, extra.id), 422, 'PIN_LIMIT');
    const peerBefore = await detail(peer, chat.id);

    expect((await api.deleteChat(me, chat.id)).status).toBe(204);
    expect(await listIds(me)).not.toContain(chat.id);
    expect(await listIds(peer)).toContain(chat.id);
    expect(await detail(peer, chat.id)).toEqual(peerBefore);
    expect((await api.pin(me, extra.id)).status).toBe(204);
    expect(await memberRows(chat.id)).toEqual([me.id, peer.id].sort());
    expect(await membership(chat.id, me)).toEqual({ hidden: true, cleared_seq: 2 });
    expect((await storedMessages(chat.id)).map((m) => m.text)).toEqual(['before 1', 'before 2']);
    // Opening the pair again answers with the same chat, with nothing visible to me.
    const reopened = await api.createChat(me, { type: 'direct', userId: peer.id });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ id: chat.id, lastMessage: null, unreadCount: 0, lastSeq: 2 });

    // The peer writes again: the chat is back in my list, with only the new message.
    await send(peer, 'after');
    const back = (await list(me)).items.find((c) => c.id === chat.id)!;
    expect(back).toMatchObject({ lastSeq: 3, unreadCount: 1, peer: publicUser(peer), pinned: false });
    expect(back.lastMessage).toMatchObject({ seq: 3, text: 'after', senderId: peer.id, type: 'text' });
    const mine = await api.history(me, chat.id);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((m) => m.seq)).toEqual([3]);
    const theirs = await api.history(peer, chat.id);
    expect(theirs.body.items.map((m) => m.text)).toEqual(['before 1', 'before 2', 'after']);
  });
});
