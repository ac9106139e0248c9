import { expectError, ok, TestUser } from '../support/api';
import { anIsoTime, anyArray, aUuid } from '../support/matchers';
import { useService } from '../support/service';
import { chatReads, expectSummaryShape, MISSING_ID, publicUser, roleOf, systemMessage } from './support';

describe('chats: creating groups and the member limit', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, list, storedMessages, memberRows, chatCount } = chatReads(svc);
  /** Registered users shared by the tests that need many (the member limit is 50). */
  let crowd: TestUser[] = [];
  beforeAll(async () => {
    crowd = await api.newUsers(55);
  }, 180_000);

  it('creates a group: the creator is owner, the others members, and a "created" system message is stored', async () => {
    const [owner, m1, m2] = await api.newUsers(3);
    // Duplicates and the creator in memberIds are ignored.
    const res = await api.createChat(owner, { type: 'group', title: 'Team 🚀', memberIds: [m1.id, m2.id, m1.id, owner.id] });
    expect(res.status).toBe(201);
    const chat = res.body;
    const created = systemMessage(chat.id, 1, owner, `@${owner.username} created the group “Team 🚀”`, {
      kind: 'created',
      actorId: owner.id,
      userIds: [m1.id, m2.id],
      title: 'Team 🚀',
    });
    expect(chat).toEqual({
      id: aUuid(),
      type: 'group',
      title: 'Team 🚀',
      peer: null,
      memberCount: 3,
      pinned: false,
      pinnedAt: null,
      lastMessage: created,
      lastSeq: 1,
      readSeq: 0,
      unreadCount: 0,
      mentionCount: 0,
      muted: false,
      mutedUntil: null,
      lastActivityAt: anIsoTime(),
      createdAt: anIsoTime(),
      members: anyArray(),
    });
    expect(chat.members).toHaveLength(3);
    expect(roleOf(chat, owner)).toBe('owner');
    expect(roleOf(chat, m1)).toBe('member');
    expect(roleOf(chat, m2)).toBe('member');
    expect(chat.members.find((m) => m.user.id === m1.id)).toEqual({
      user: publicUser(m1),
      role: 'member',
      joinedAt: anIsoTime(),
      deliveredSeq: 0,
      readSeq: 0,
    });

    // A member sees it too, with the creator's message unread.
    const seen = (await list(m1)).items.find((c) => c.id === chat.id)!;
    expectSummaryShape(seen);
    expect(seen).toEqual({ ...chat, members: undefined, lastMessage: created, unreadCount: 1 });
    expect(await storedMessages(chat.id)).toEqual([
      {
        seq: 1,
        senderId: owner.id,
        type: 'system',
        text: `@${owner.username} created the group “Team 🚀”`,
        event: { kind: 'created', actorId: owner.id, userIds: [m1.id, m2.id], title: 'Team 🚀' },
      },
    ]);
  });

  it('validates the title: 1–100 code points', async () => {
    const [owner, m] = await api.newUsers(2);
    const create = (title: unknown) => api.createChat(owner, { type: 'group', title, memberIds: [m.id] });
    const hundred = '😀'.repeat(100); // 100 code points, 200 UTF-16 units
    expect((await create(hundred)).status).toBe(201);
    for (const bad of ['', '😀'.repeat(101), 'x'.repeat(101), 42, null]) {
      const err = expectError(await create(bad), 400, 'VALIDATION_FAILED');
      expect(err.details?.map((d) => ('field' in d ? d.field : null))).toContain('title');
    }
    expectError(await api.createChat(owner, { type: 'group', memberIds: [m.id] }), 400, 'VALIDATION_FAILED');
    expectError(await api.createChat(owner, { type: 'group', title: 'x' }), 400, 'VALIDATION_FAILED');
    expectError(await api.createChat(owner, { type: 'group', title: 'x', memberIds: ['not-a-uuid'] }), 400, 'VALIDATION_FAILED');

    const chat = await api.newGroup(owner, [m], 'Old');
    expect(ok(await api.rename(owner, chat.id, hundred)).title).toBe(hundred);
    for (const bad of ['', '😀'.repeat(101), 7]) expectError(await api.rename(owner, chat.id, bad), 400, 'VALIDATION_FAILED');
    expectError(await api.patch(`/api/chats/${chat.id}`, owner, {}), 400, 'VALIDATION_FAILED');
    expect((await detail(owner, chat.id)).title).toBe(hundred);
  });

  it('refuses unknown member ids with 404 USER_NOT_FOUND and stores nothing', async () => {
    const [owner, m] = await api.newUsers(2);
    const before = await chatCount();
    const res = await api.createChat(owner, { type: 'group', title: 'x', memberIds: [m.id, MISSING_ID] });
    expectError(res, 404, 'USER_NOT_FOUND');
    expect(await chatCount()).toBe(before);

    const chat = await api.newGroup(owner, [m], 'x');
    expectError(await api.addMembers(owner, chat.id, [MISSING_ID]), 404, 'USER_NOT_FOUND');
    expect(await memberRows(chat.id)).toEqual([owner.id, m.id].sort());
    expect((await detail(owner, chat.id)).lastSeq).toBe(1);
  });

  it('the member limit (default 50, creator included) holds on create and on add', async () => {
    const [owner, ...others] = crowd; // 54 others
    // Exactly 50 with the creator: fine.
    const full = await api.newGroup(owner, others.slice(0, 49), 'Fifty');
    expect(full.memberCount).toBe(50);
    expect(full.members).toHaveLength(50);
    expect(await memberRows(full.id)).toHaveLength(50);
    // 51: refused, nothing stored.
    const before = await chatCount();
    const tooMany = await api.createChat(owner, { type: 'group', title: 'Fifty-one', memberIds: others.slice(0, 50).map((u) => u.id) });
    const err = expectError(tooMany, 422, 'CHAT_MEMBER_LIMIT');
    expect(err.message).toContain('50');
    expect(await chatCount()).toBe(before);

    // Adding up to exactly 50 is fine; one more is 422 and changes nothing.
    const chat = await api.newGroup(owner, others.slice(0, 47), 'Growing'); // 48
    const added = await api.addMembers(owner, chat.id, others.slice(47, 49));
    expect(added.status).toBe(200);
    expect(added.body.memberCount).toBe(50);
    expect(added.body.members).toHaveLength(50);
    expectError(await api.addMembers(owner, chat.id, [others[49]]), 422, 'CHAT_MEMBER_LIMIT');
    expect(await memberRows(chat.id)).toHaveLength(50);
    expect((await detail(owner, chat.id)).memberCount).toBe(50);
    // Full chat: a member leaves, then one can be added again.
    expect((await api.removeMember(others[0], chat.id, others[0])).status).toBe(204);
    expect((await api.addMembers(owner, chat.id, [others[49]])).body.memberCount).toBe(50);
  }, 60_000);

  it('two concurrent adds around the limit: exactly one succeeds, never more than 50 members', async () => {
    const [owner, ...others] = crowd;
    for (let round = 0; round < 3; round++) {
      const chat = await api.newGroup(owner, others.slice(0, 47), `Race ${round}`); // 48 members
      const [x, y] = [others.slice(47, 49), others.slice(49, 51)];
      const answers = await Promise.all([api.addMembers(owner, chat.id, x), api.addMembers(owner, chat.id, y)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 422]);
      const winner = answers.find((r) => r.status === 200)!;
      expect(winner.body.memberCount).toBe(50);
      expectError(
        answers.find((r) => r.status === 422)!,
        422,
        'CHAT_MEMBER_LIMIT',
      );
      const rows = await memberRows(chat.id);
      expect(rows).toHaveLength(50);
      const winners = answers[0].status === 200 ? x : y;
      expect(rows).toEqual([owner, ...others.slice(0, 47), ...winners].map((u) => u.id).sort());
      const count = await svc.db.query<{ member_count: number }>(`SELECT member_count FROM chats WHERE id = $1`, [chat.id]);
      expect(count.rows[0].member_count).toBe(50);
      // One member_added system message: the loser stored nothing.
      expect((await storedMessages(chat.id)).map((m) => m.event?.kind)).toEqual(['created', 'member_added']);
    }
    // The same with one seat left and single adds.
    const chat = await api.newGroup(owner, others.slice(0, 48), 'Race last seat'); // 49
    const answers = await Promise.all([api.addMembers(owner, chat.id, [others[48]]), api.addMembers(owner, chat.id, [others[49]])]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(await memberRows(chat.id)).toHaveLength(50);
  }, 60_000);

  it('adding members who are already in changes nothing and stores no message', async () => {
    const [owner, m] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [m], 'Same');
    const res = await api.addMembers(owner, chat.id, [m, owner]);
    expect(res.status).toBe(200);
    expect(res.body.memberCount).toBe(2);
    expect(res.body.lastSeq).toBe(1);
    expect(await storedMessages(chat.id)).toHaveLength(1);
  });
});
