import { expectError, ok, TestUser } from '../support/api';
import type { ChatMemberDto } from '../support/contract';
import { anyArray, anyBoolean, anyString, containing } from '../support/matchers';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers } from './support';

describe('messages: commands', () => {
  const svc = useService();
  const { api } = svc;
  const { detail } = chatReads(svc);
  const { historyOk, dbLastSeq } = messageHelpers(svc);
  let owner: TestUser;
  let member: TestUser;
  let third: TestUser;
  let g: string;
  beforeAll(async () => {
    [owner, member, third] = await api.newUsers(3);
    g = (await api.newGroup(owner, [member], 'before')).id;
  });
  const cmd = <R = unknown>(u: TestUser, text: string, chatId = g) => api.command<R>(u, chatId, text);

  it('/help answers 200 with the list and stores nothing', async () => {
    const seq = await dbLastSeq(g);
    const res = await cmd<{ commands: Array<{ command: string }> }>(member, '/help');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'command', command: 'help', result: { commands: anyArray() }, message: null });
    expect(res.body.result.commands.map((c) => c.command)).toEqual(['help', 'who', 'title', 'invite', 'kick', 'leave', 'pin', 'unpin']);
    expect(await dbLastSeq(g)).toBe(seq);
    expectError(await cmd(member, '/help me'), 400, 'VALIDATION_FAILED');
  });

  it('/who lists the members with presence', async () => {
    const res = await cmd<{ members: ChatMemberDto[] }>(member, '/WHO');
    expect(res.status).toBe(200);
    expect(res.body.command).toBe('who');
    const { members } = res.body.result;
    expect(members.map((m) => m.user.id).sort()).toEqual([owner.id, member.id].sort());
    expect(members.find((m) => m.user.id === owner.id)).toEqual(
      containing({
        role: 'owner',
        user: containing({ online: anyBoolean(), username: owner.username }),
      }),
    );
  });

  it('/title: 403 for a plain member, renames for the owner with a system message', async () => {
    expectError(await cmd(member, '/title Mine now'), 403, 'FORBIDDEN');
    expect((await detail(owner, g)).title).toBe('before');
    const res = await cmd(owner, '/title  After 😀 ');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      containing({
        type: 'command',
        command: 'title',
        result: { title: 'After 😀' },
        message: containing({
          type: 'system',
          chatId: g,
          event: containing({ kind: 'renamed', title: 'After 😀' }),
        }),
      }),
    );
    expect((await detail(member, g)).title).toBe('After 😀');
    expect((await historyOk(member, g)).items.at(-1)!.id).toBe(res.body.message?.id);
    expectError(await cmd(owner, '/title'), 400, 'VALIDATION_FAILED');
    expectError(await cmd(owner, `/title ${'x'.repeat(101)}`), 400, 'VALIDATION_FAILED');
    const d = (await api.newDirect(owner, member)).id;
    expectError(await cmd(owner, '/title Direct', d), 403, 'FORBIDDEN');
  });

  it('/invite: 404 USER_NOT_FOUND for an unknown user, 403 for a plain member, adds for the owner', async () => {
    const seq = await dbLastSeq(g);
    expectError(await cmd(owner, `/invite @${third.username} @nobody_${Date.now()}`), 404, 'USER_NOT_FOUND');
    expectError(await cmd(member, `/invite @${third.username}`), 403, 'FORBIDDEN');
    expect(await dbLastSeq(g)).toBe(seq);
    expectError(await api.history(third, g), 404, 'CHAT_NOT_FOUND');
    const res = await cmd(owner, `/invite ${third.username.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ userIds: [third.id] });
    expect(res.body.message).toEqual(containing({ type: 'system', event: containing({ kind: 'member_added', userIds: [third.id] }) }));
    expect((await api.history(third, g)).status).toBe(200);
    expectError(await cmd(owner, '/invite'), 400, 'VALIDATION_FAILED');
  });

  it('/kick: 403 for a plain member, 400 on oneself, removes for the owner', async () => {
    expectError(await cmd(member, `/kick @${third.username}`), 403, 'FORBIDDEN');
    expectError(await cmd(owner, `/kick @${owner.username}`), 400, 'VALIDATION_FAILED');
    expectError(await cmd(owner, `/kick @nobody_${Date.now()}`), 404, 'USER_NOT_FOUND');
    const res = await cmd(owner, `/kick @${third.username}`);
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ userId: third.id });
    expect(res.body.message).toEqual(containing({ event: containing({ kind: 'member_removed', userIds: [third.id] }) }));
    expectError(await api.history(third, g), 404, 'CHAT_NOT_FOUND');
    expectError(await cmd(owner, `/kick @${third.username}`), 404, 'MEMBER_NOT_FOUND');
    expectError(await cmd(third, '/help'), 404, 'CHAT_NOT_FOUND');
  });

  it('/pin and /unpin change only the caller’s list', async () => {
    const res = await cmd(member, '/pin');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'command', command: 'pin', result: { pinned: true }, message: null });
    const list = ok(await api.chats(member)).items;
    expect(list[0]).toEqual(containing({ id: g, pinned: true, pinnedAt: anyString() }));
    expect((await detail(owner, g)).pinned).toBe(false);
    expect((await cmd(member, '/unpin')).body.result).toEqual({ pinned: false });
    expect((await detail(member, g)).pinned).toBe(false);
  });

  it('// escapes a leading slash: "//x" is stored as the text "/x"', async () => {
    const res = await api.send(member, g, { text: '//x' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(containing({ type: 'text', text: '/x' }));
    const row = await svc.db.query<{ text: string }>('SELECT text FROM messages WHERE id = $1', [res.body.id]);
    expect(row.rows[0].text).toBe('/x');
    expect((await api.send(member, g, { text: '//help' })).body.text).toBe('/help');
  });

  it('an unknown command answers 400 UNKNOWN_COMMAND and stores nothing', async () => {
    const seq = await dbLastSeq(g);
    expectError(await cmd(member, '/frobnicate now'), 400, 'UNKNOWN_COMMAND');
    expectError(await cmd(member, '/'), 400, 'UNKNOWN_COMMAND');
    expect(await dbLastSeq(g)).toBe(seq);
  });

  it('/leave leaves the group with a system message; the leaver no longer sees the chat', async () => {
    const res = await cmd(member, '/leave');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      containing({
        command: 'leave',
        result: { left: true },
        message: containing({ event: containing({ kind: 'member_left' }) }),
      }),
    );
    expectError(await api.chat(member, g), 404, 'CHAT_NOT_FOUND');
    expect((await detail(owner, g)).members.map((m) => m.user.id)).toEqual([owner.id]);
    expect((await historyOk(owner, g)).items.at(-1)!.event?.kind).toBe('member_left');
  });

  it('commands are for members only (404)', async () => {
    const outsider = await api.newUser();
    expectError(await cmd(outsider, '/help'), 404, 'CHAT_NOT_FOUND');
  });
});
