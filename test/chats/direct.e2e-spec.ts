import { expectError } from '../support/api';
import type { ChatMemberDto } from '../support/contract';
import { anIsoTime, anyArray, anyString, aUuid, UUID } from '../support/matchers';
import { useService } from '../support/service';
import { chatReads, MEMBER_KEYS, MISSING_ID, publicUser, SUMMARY_KEYS } from './support';

describe('chats: direct chats', () => {
  const svc = useService();
  const { api } = svc;
  const { list, memberRows, chatCount } = chatReads(svc);
  const directIdsOf = async (a: { id: string }, b: { id: string }) =>
    (await svc.db.query<{ id: string }>(`SELECT id FROM chats WHERE direct_key = $1`, [[a.id, b.id].sort().join(':')])).rows;

  it('creates one chat per pair: 201 with the ChatDetail, then 200 with the same chat from either side', async () => {
    const [a, b] = await api.newUsers(2);
    const res = await api.createChat(a, { type: 'direct', userId: b.id });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([...SUMMARY_KEYS, 'members'].sort());
    expect(res.body).toEqual({
      id: aUuid(),
      type: 'direct',
      title: null,
      peer: publicUser(b),
      memberCount: 2,
      pinned: false,
      pinnedAt: null,
      lastMessage: null,
      lastSeq: 0,
      readSeq: 0,
      unreadCount: 0,
      mentionCount: 0,
      muted: false,
      mutedUntil: null,
      lastActivityAt: anIsoTime(),
      createdAt: anIsoTime(),
      members: anyArray(),
    });
    const members = [...res.body.members].sort((x, y) => x.user.id.localeCompare(y.user.id));
    const expected: ChatMemberDto[] = [a, b]
      .sort((x, y) => x.id.localeCompare(y.id))
      .map((u) => ({ user: publicUser(u), role: 'member', joinedAt: anIsoTime(), deliveredSeq: 0, readSeq: 0 }));
    expect(members).toEqual(expected);
    for (const m of res.body.members) expect(Object.keys(m).sort()).toEqual(MEMBER_KEYS);

    const again = await api.createChat(a, { type: 'direct', userId: b.id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);

    const otherSide = await api.createChat(b, { type: 'direct', userId: a.id });
    expect(otherSide.status).toBe(200);
    expect(otherSide.body.id).toBe(res.body.id);
    expect(otherSide.body.peer).toEqual(publicUser(a));

    expect(await directIdsOf(a, b)).toEqual([{ id: res.body.id }]);
    expect(await memberRows(res.body.id)).toEqual([a.id, b.id].sort());
    // Both see it in their lists, each with the other as peer.
    expect((await list(a)).items.find((c) => c.id === res.body.id)!.peer).toEqual(publicUser(b));
    expect((await list(b)).items.find((c) => c.id === res.body.id)!.peer).toEqual(publicUser(a));
  });

  it('concurrent creates of the same pair (from both sides) yield exactly one chat', async () => {
    const pairs = await Promise.all(Array.from({ length: 5 }, () => api.newUsers(2)));
    await Promise.all(
      pairs.map(async ([a, b]) => {
        const answers = await Promise.all([
          api.createChat(a, { type: 'direct', userId: b.id }),
          api.createChat(b, { type: 'direct', userId: a.id }),
          api.createChat(a, { type: 'direct', userId: b.id }),
        ]);
        expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 201]);
        const ids = new Set(answers.map((r) => r.body.id));
        expect(ids.size).toBe(1);
        const [id] = [...ids];
        expect(id).toMatch(UUID);
        expect(await directIdsOf(a, b)).toEqual([{ id }]);
        expect(await memberRows(id)).toEqual([a.id, b.id].sort());
      }),
    );
  });

  it('refuses a chat with yourself (400), an unknown user (404) and malformed input (400)', async () => {
    const [a] = await api.newUsers(1);
    const before = await chatCount();
    const self = expectError(await api.createChat(a, { type: 'direct', userId: a.id }), 400, 'VALIDATION_FAILED');
    expect(self.details).toEqual([{ field: 'userId', message: anyString() }]);
    expectError(await api.createChat(a, { type: 'direct', userId: MISSING_ID }), 404, 'USER_NOT_FOUND');
    expectError(await api.createChat(a, { type: 'direct', userId: 'nope' }), 400, 'VALIDATION_FAILED');
    expectError(await api.createChat(a, { type: 'direct' }), 400, 'VALIDATION_FAILED');
    expectError(await api.createChat(a, { type: 'channel', userId: MISSING_ID }), 400, 'VALIDATION_FAILED');
    expectError(await api.createChat(null, { type: 'direct', userId: MISSING_ID }), 401, 'UNAUTHORIZED');
    expect(await chatCount()).toBe(before);
  });
});
