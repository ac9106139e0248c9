import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { Pool } from 'pg';
import { TestUser, expectError, registerUser } from './support/api';
import { PG_ADMIN_URL, TestService, createDatabase, dropDatabase, spawnService, startTestService } from './support/service';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const SUMMARY_KEYS = [
  'createdAt',
  'id',
  'lastActivityAt',
  'lastMessage',
  'lastSeq',
  'memberCount',
  'peer',
  'pinned',
  'pinnedAt',
  'readSeq',
  'title',
  'type',
  'unreadCount',
];
const MEMBER_KEYS = ['deliveredSeq', 'joinedAt', 'readSeq', 'role', 'user'];
const MESSAGE_KEYS = [
  'attachments',
  'chatId',
  'clientId',
  'createdAt',
  'deleted',
  'editedAt',
  'event',
  'forwardedFrom',
  'id',
  'senderId',
  'seq',
  'status',
  'text',
  'type',
];

interface Summary {
  id: string;
  type: 'direct' | 'group';
  title: string | null;
  peer: Record<string, unknown> | null;
  memberCount: number;
  pinned: boolean;
  pinnedAt: string | null;
  lastMessage: Record<string, unknown> | null;
  lastSeq: number;
  readSeq: number;
  unreadCount: number;
  lastActivityAt: string;
  createdAt: string;
}
interface Member {
  user: { id: string };
  role: string;
  joinedAt: string;
  deliveredSeq: number;
  readSeq: number;
}
type Detail = Summary & { members: Member[] };

/** What GET /api/users/:id shows of a user who never connected a socket. */
function publicUser(u: TestUser) {
  return { id: u.id, username: u.username, displayName: u.username, about: '', online: false, lastSeenAt: null };
}

/** The contract's system Message, as any member sees it (status is null on system messages). */
function systemMessage(chatId: string, seq: number, actor: TestUser, text: string, event: Record<string, unknown>) {
  return {
    id: expect.stringMatching(UUID),
    chatId,
    seq,
    senderId: actor.id,
    type: 'system',
    text,
    attachments: [],
    forwardedFrom: null,
    event,
    editedAt: null,
    deleted: false,
    createdAt: expect.stringMatching(ISO),
    clientId: null,
    status: null,
  };
}

describe('chats (real service, real PostgreSQL)', () => {
  let svc: TestService;
  /** Registered users shared by the tests that need many (the member limit is 50). */
  let crowd: TestUser[] = [];

  beforeAll(async () => {
    svc = await startTestService();
    crowd = await registerMany(55);
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
  });

  const api = () => request(svc.url);

  /** Registration hashes with argon2: register in parallel batches. */
  async function registerMany(n: number): Promise<TestUser[]> {
    const users: TestUser[] = [];
    while (users.length < n) {
      const batch = Math.min(10, n - users.length);
      users.push(...(await Promise.all(Array.from({ length: batch }, () => registerUser(svc.url)))));
    }
    return users;
  }

  async function direct(a: TestUser, b: TestUser): Promise<Detail> {
    const res = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
    if (res.status !== 201 && res.status !== 200) throw new Error(`direct: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function group(owner: TestUser, title: string, members: Array<TestUser | string>): Promise<Detail> {
    const memberIds = members.map((m) => (typeof m === 'string' ? m : m.id));
    const res = await api().post('/api/chats').set(owner.auth).send({ type: 'group', title, memberIds });
    if (res.status !== 201) throw new Error(`group: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function detail(u: TestUser, chatId: string): Promise<Detail> {
    const res = await api().get(`/api/chats/${chatId}`).set(u.auth);
    if (res.status !== 200) throw new Error(`detail: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function list(
    u: TestUser,
    query: Record<string, unknown> = { limit: 100 },
  ): Promise<{ items: Summary[]; nextCursor: string | null }> {
    const res = await api().get('/api/chats').query(query).set(u.auth);
    if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function listIds(u: TestUser): Promise<string[]> {
    return (await list(u)).items.map((c) => c.id);
  }

  async function rename(u: TestUser, chatId: string, title: string) {
    return api().patch(`/api/chats/${chatId}`).set(u.auth).send({ title });
  }

  async function addMembers(u: TestUser, chatId: string, users: TestUser[]) {
    return api()
      .post(`/api/chats/${chatId}/members`)
      .set(u.auth)
      .send({ userIds: users.map((x) => x.id) });
  }

  async function storedMessages(chatId: string) {
    const { rows } = await svc.db.query(
      `SELECT seq, sender_id AS "senderId", type, text, event FROM messages WHERE chat_id = $1 ORDER BY seq`,
      [chatId],
    );
    return rows;
  }

  async function memberRows(chatId: string) {
    const { rows } = await svc.db.query(`SELECT user_id FROM chat_members WHERE chat_id = $1`, [chatId]);
    return rows.map((r) => r.user_id as string).sort();
  }

  function roleOf(chat: Detail, u: TestUser): string | undefined {
    return chat.members.find((m) => m.user.id === u.id)?.role;
  }

  function expectSummaryShape(item: Summary) {
    expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
    if (item.lastMessage) expect(Object.keys(item.lastMessage).sort()).toEqual(MESSAGE_KEYS);
  }

  describe('direct chats', () => {
    it('creates one chat per pair: 201 with the ChatDetail, then 200 with the same chat from either side', async () => {
      const [a, b] = await registerMany(2);
      const res = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual([...SUMMARY_KEYS, 'members'].sort());
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
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
        lastActivityAt: expect.stringMatching(ISO),
        createdAt: expect.stringMatching(ISO),
        members: expect.any(Array),
      });
      const members = [...res.body.members].sort((x: Member, y: Member) => x.user.id.localeCompare(y.user.id));
      const expected = [a, b]
        .sort((x, y) => x.id.localeCompare(y.id))
        .map((u) => ({ user: publicUser(u), role: 'member', joinedAt: expect.stringMatching(ISO), deliveredSeq: 0, readSeq: 0 }));
      expect(members).toEqual(expected);
      for (const m of res.body.members) expect(Object.keys(m).sort()).toEqual(MEMBER_KEYS);

      const again = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);

      const otherSide = await api().post('/api/chats').set(b.auth).send({ type: 'direct', userId: a.id });
      expect(otherSide.status).toBe(200);
      expect(otherSide.body.id).toBe(res.body.id);
      expect(otherSide.body.peer).toEqual(publicUser(a));

      const directKey = [a.id, b.id].sort().join(':');
      const rows = await svc.db.query(`SELECT id FROM chats WHERE direct_key = $1`, [directKey]);
      expect(rows.rows).toEqual([{ id: res.body.id }]);
      expect(await memberRows(res.body.id)).toEqual([a.id, b.id].sort());
      // Both see it in their lists, each with the other as peer.
      expect((await list(a)).items.find((c) => c.id === res.body.id)!.peer).toEqual(publicUser(b));
      expect((await list(b)).items.find((c) => c.id === res.body.id)!.peer).toEqual(publicUser(a));
    });

    it('concurrent creates of the same pair (from both sides) yield exactly one chat', async () => {
      const pairs = await Promise.all(Array.from({ length: 5 }, () => registerMany(2)));
      await Promise.all(
        pairs.map(async ([a, b]) => {
          const answers = await Promise.all([
            api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id }),
            api().post('/api/chats').set(b.auth).send({ type: 'direct', userId: a.id }),
            api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id }),
          ]);
          expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 201]);
          const ids = new Set(answers.map((r) => r.body.id));
          expect(ids.size).toBe(1);
          const [id] = [...ids];
          expect(id).toMatch(UUID);
          const rows = await svc.db.query(`SELECT id FROM chats WHERE direct_key = $1`, [[a.id, b.id].sort().join(':')]);
          expect(rows.rows).toEqual([{ id }]);
          expect(await memberRows(id)).toEqual([a.id, b.id].sort());
        }),
      );
    });

    it('refuses a chat with yourself (400), an unknown user (404) and malformed input (400)', async () => {
      const [a] = await registerMany(1);
      const before = await svc.db.query(`SELECT count(*)::int AS n FROM chats`);
      const self = expectError(await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: a.id }), 400, 'VALIDATION_FAILED');
      expect(self.details).toEqual([{ field: 'userId', message: expect.any(String) }]);
      expectError(await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: MISSING_ID }), 404, 'USER_NOT_FOUND');
      expectError(await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: 'nope' }), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/chats').set(a.auth).send({ type: 'direct' }), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/chats').set(a.auth).send({ type: 'channel', userId: MISSING_ID }), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/chats').send({ type: 'direct', userId: MISSING_ID }), 401, 'UNAUTHORIZED');
      const after = await svc.db.query(`SELECT count(*)::int AS n FROM chats`);
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });
  });

  describe('group chats', () => {
    it('creates a group: the creator is owner, the others members, and a "created" system message is stored', async () => {
      const [owner, m1, m2] = await registerMany(3);
      // Duplicates and the creator in memberIds are ignored.
      const res = await api()
        .post('/api/chats')
        .set(owner.auth)
        .send({ type: 'group', title: 'Team 🚀', memberIds: [m1.id, m2.id, m1.id, owner.id] });
      expect(res.status).toBe(201);
      const chat: Detail = res.body;
      const created = systemMessage(chat.id, 1, owner, `@${owner.username} created the group “Team 🚀”`, {
        kind: 'created',
        actorId: owner.id,
        userIds: [m1.id, m2.id],
        title: 'Team 🚀',
      });
      expect(chat).toEqual({
        id: expect.stringMatching(UUID),
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
        lastActivityAt: expect.stringMatching(ISO),
        createdAt: expect.stringMatching(ISO),
        members: expect.any(Array),
      });
      expect(chat.members).toHaveLength(3);
      expect(roleOf(chat, owner)).toBe('owner');
      expect(roleOf(chat, m1)).toBe('member');
      expect(roleOf(chat, m2)).toBe('member');
      expect(chat.members.find((m) => m.user.id === m1.id)).toEqual({
        user: publicUser(m1),
        role: 'member',
        joinedAt: expect.stringMatching(ISO),
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
      const [owner, m] = await registerMany(2);
      const create = (title: unknown) =>
        api()
          .post('/api/chats')
          .set(owner.auth)
          .send({ type: 'group', title, memberIds: [m.id] });
      const hundred = '😀'.repeat(100); // 100 code points, 200 UTF-16 units
      expect((await create(hundred)).status).toBe(201);
      for (const bad of ['', '😀'.repeat(101), 'x'.repeat(101), 42, null]) {
        const err = expectError(await create(bad), 400, 'VALIDATION_FAILED');
        expect(err.details?.map((d: { field: string }) => d.field)).toContain('title');
      }
      expectError(
        await api()
          .post('/api/chats')
          .set(owner.auth)
          .send({ type: 'group', memberIds: [m.id] }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(await api().post('/api/chats').set(owner.auth).send({ type: 'group', title: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(
        await api()
          .post('/api/chats')
          .set(owner.auth)
          .send({ type: 'group', title: 'x', memberIds: ['not-a-uuid'] }),
        400,
        'VALIDATION_FAILED',
      );

      const chat = await group(owner, 'Old', [m]);
      expect((await rename(owner, chat.id, hundred)).body.title).toBe(hundred);
      for (const bad of ['', '😀'.repeat(101), 7]) expectError(await rename(owner, chat.id, bad as string), 400, 'VALIDATION_FAILED');
      expectError(await api().patch(`/api/chats/${chat.id}`).set(owner.auth).send({}), 400, 'VALIDATION_FAILED');
      expect((await detail(owner, chat.id)).title).toBe(hundred);
    });

    it('refuses unknown member ids with 404 USER_NOT_FOUND and stores nothing', async () => {
      const [owner, m] = await registerMany(2);
      const before = await svc.db.query(`SELECT count(*)::int AS n FROM chats`);
      const res = await api()
        .post('/api/chats')
        .set(owner.auth)
        .send({ type: 'group', title: 'x', memberIds: [m.id, MISSING_ID] });
      expectError(res, 404, 'USER_NOT_FOUND');
      expect((await svc.db.query(`SELECT count(*)::int AS n FROM chats`)).rows[0].n).toBe(before.rows[0].n);

      const chat = await group(owner, 'x', [m]);
      expectError(
        await api()
          .post(`/api/chats/${chat.id}/members`)
          .set(owner.auth)
          .send({ userIds: [MISSING_ID] }),
        404,
        'USER_NOT_FOUND',
      );
      expect(await memberRows(chat.id)).toEqual([owner.id, m.id].sort());
      expect((await detail(owner, chat.id)).lastSeq).toBe(1);
    });

    it('the member limit (default 50, creator included) holds on create and on add', async () => {
      const [owner, ...others] = crowd; // 54 others
      // Exactly 50 with the creator: fine.
      const full = await group(owner, 'Fifty', others.slice(0, 49));
      expect(full.memberCount).toBe(50);
      expect(full.members).toHaveLength(50);
      expect(await memberRows(full.id)).toHaveLength(50);
      // 51: refused, nothing stored.
      const before = (await svc.db.query(`SELECT count(*)::int AS n FROM chats`)).rows[0].n;
      const tooMany = await api()
        .post('/api/chats')
        .set(owner.auth)
        .send({ type: 'group', title: 'Fifty-one', memberIds: others.slice(0, 50).map((u) => u.id) });
      const err = expectError(tooMany, 422, 'CHAT_MEMBER_LIMIT');
      expect(err.message).toContain('50');
      expect((await svc.db.query(`SELECT count(*)::int AS n FROM chats`)).rows[0].n).toBe(before);

      // Adding up to exactly 50 is fine; one more is 422 and changes nothing.
      const chat = await group(owner, 'Growing', others.slice(0, 47)); // 48
      const ok = await addMembers(owner, chat.id, others.slice(47, 49));
      expect(ok.status).toBe(200);
      expect(ok.body.memberCount).toBe(50);
      expect(ok.body.members).toHaveLength(50);
      expectError(await addMembers(owner, chat.id, [others[49]]), 422, 'CHAT_MEMBER_LIMIT');
      expect(await memberRows(chat.id)).toHaveLength(50);
      expect((await detail(owner, chat.id)).memberCount).toBe(50);
      // Full chat: a member leaves, then one can be added again.
      expect((await api().delete(`/api/chats/${chat.id}/members/${others[0].id}`).set(others[0].auth)).status).toBe(204);
      expect((await addMembers(owner, chat.id, [others[49]])).body.memberCount).toBe(50);
    }, 60_000);

    it('two concurrent adds around the limit: exactly one succeeds, never more than 50 members', async () => {
      const [owner, ...others] = crowd;
      for (let round = 0; round < 3; round++) {
        const chat = await group(owner, `Race ${round}`, others.slice(0, 47)); // 48 members
        const [x, y] = [others.slice(47, 49), others.slice(49, 51)];
        const answers = await Promise.all([addMembers(owner, chat.id, x), addMembers(owner, chat.id, y)]);
        expect(answers.map((r) => r.status).sort()).toEqual([200, 422]);
        const winner = answers.find((r) => r.status === 200)!;
        expect(winner.body.memberCount).toBe(50);
        expect(answers.find((r) => r.status === 422)!.body.code).toBe('CHAT_MEMBER_LIMIT');
        const rows = await memberRows(chat.id);
        expect(rows).toHaveLength(50);
        const winners = answers[0].status === 200 ? x : y;
        expect(rows).toEqual([owner, ...others.slice(0, 47), ...winners].map((u) => u.id).sort());
        const count = await svc.db.query(`SELECT member_count FROM chats WHERE id = $1`, [chat.id]);
        expect(count.rows[0].member_count).toBe(50);
        // One member_added system message: the loser stored nothing.
        expect((await storedMessages(chat.id)).map((m) => m.event.kind)).toEqual(['created', 'member_added']);
      }
      // The same with one seat left and single adds.
      const chat = await group(owner, 'Race last seat', others.slice(0, 48)); // 49
      const answers = await Promise.all([addMembers(owner, chat.id, [others[48]]), addMembers(owner, chat.id, [others[49]])]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 422]);
      expect(await memberRows(chat.id)).toHaveLength(50);
    }, 60_000);

    it('adding members who are already in changes nothing and stores no message', async () => {
      const [owner, m] = await registerMany(2);
      const chat = await group(owner, 'Same', [m]);
      const res = await addMembers(owner, chat.id, [m, owner]);
      expect(res.status).toBe(200);
      expect(res.body.memberCount).toBe(2);
      expect(res.body.lastSeq).toBe(1);
      expect(await storedMessages(chat.id)).toHaveLength(1);
    });
  });

  describe('roles and membership', () => {
    it('only the owner or an admin renames and adds; a member gets 403 and nothing changes', async () => {
      const [owner, admin, member, newcomer, another] = await registerMany(5);
      const chat = await group(owner, 'Roles', [admin, member]);
      // No REST route promotes a member (the contract has none): arrange the admin in the database.
      await svc.db.query(`UPDATE chat_members SET role = 'admin' WHERE chat_id = $1 AND user_id = $2`, [chat.id, admin.id]);

      expectError(await rename(member, chat.id, 'Hijacked'), 403, 'FORBIDDEN');
      expectError(await addMembers(member, chat.id, [newcomer]), 403, 'FORBIDDEN');
      expectError(await api().delete(`/api/chats/${chat.id}/members/${admin.id}`).set(member.auth), 403, 'FORBIDDEN');
      let now = await detail(owner, chat.id);
      expect(now.title).toBe('Roles');
      expect(now.memberCount).toBe(3);
      expect(now.lastSeq).toBe(1);

      const byAdmin = await rename(admin, chat.id, 'By admin');
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.title).toBe('By admin');
      const added = await addMembers(admin, chat.id, [newcomer]);
      expect(added.status).toBe(200);
      expect(added.body.memberCount).toBe(4);
      expect(roleOf(added.body, newcomer)).toBe('member');
      const byOwner = await rename(owner, chat.id, 'By owner');
      expect(byOwner.body.title).toBe('By owner');
      expect((await addMembers(owner, chat.id, [another])).body.memberCount).toBe(5);

      // An admin cannot remove the owner; the owner can remove an admin.
      expectError(await api().delete(`/api/chats/${chat.id}/members/${owner.id}`).set(admin.auth), 403, 'FORBIDDEN');
      expect((await api().delete(`/api/chats/${chat.id}/members/${another.id}`).set(admin.auth)).status).toBe(204);
      expect((await api().delete(`/api/chats/${chat.id}/members/${admin.id}`).set(owner.auth)).status).toBe(204);
      now = await detail(owner, chat.id);
      expect(now.members.map((m) => m.user.id).sort()).toEqual([owner.id, member.id, newcomer.id].sort());
      // Removing someone who is not a member.
      expectError(await api().delete(`/api/chats/${chat.id}/members/${another.id}`).set(owner.auth), 404, 'MEMBER_NOT_FOUND');
    });

    it('a direct chat cannot be renamed or get members (403)', async () => {
      const [a, b, c] = await registerMany(3);
      const chat = await direct(a, b);
      expectError(await rename(a, chat.id, 'Nope'), 403, 'FORBIDDEN');
      expectError(await addMembers(a, chat.id, [c]), 403, 'FORBIDDEN');
      expectError(await api().delete(`/api/chats/${chat.id}/members/${b.id}`).set(a.auth), 403, 'FORBIDDEN');
      const now = await detail(b, chat.id);
      expect(now.title).toBeNull();
      expect(now.memberCount).toBe(2);
      expect(await memberRows(chat.id)).toEqual([a.id, b.id].sort());
    });

    it('any member may leave; the leaver and a removed member get 404 afterwards', async () => {
      const [owner, leaver, removed, stay] = await registerMany(4);
      const chat = await group(owner, 'Leaving', [leaver, removed, stay]);

      expect((await api().delete(`/api/chats/${chat.id}/members/${leaver.id}`).set(leaver.auth)).status).toBe(204);
      let now = await detail(stay, chat.id);
      expect(now.memberCount).toBe(3);
      expect(now.lastMessage).toEqual(
        systemMessage(chat.id, 2, leaver, `@${leaver.username} left`, { kind: 'member_left', actorId: leaver.id, userIds: [leaver.id] }),
      );

      expect((await api().delete(`/api/chats/${chat.id}/members/${removed.id}`).set(owner.auth)).status).toBe(204);
      now = await detail(stay, chat.id);
      expect(now.memberCount).toBe(2);
      expect(now.members.map((m) => m.user.id).sort()).toEqual([owner.id, stay.id].sort());
      expect(now.lastMessage).toEqual(
        systemMessage(chat.id, 3, owner, `@${owner.username} removed @${removed.username}`, {
          kind: 'member_removed',
          actorId: owner.id,
          userIds: [removed.id],
        }),
      );

      for (const gone of [leaver, removed]) {
        expectError(await api().get(`/api/chats/${chat.id}`).set(gone.auth), 404, 'CHAT_NOT_FOUND');
        expectError(await rename(gone, chat.id, 'x'), 404, 'CHAT_NOT_FOUND');
        expectError(await api().post(`/api/chats/${chat.id}/read`).set(gone.auth).send({ seq: 1 }), 404, 'CHAT_NOT_FOUND');
        expectError(await api().put(`/api/chats/${chat.id}/pin`).set(gone.auth), 404, 'CHAT_NOT_FOUND');
        expect(await listIds(gone)).not.toContain(chat.id);
      }
      expect(await memberRows(chat.id)).toEqual([owner.id, stay.id].sort());
    });

    it('when the owner leaves, the longest-standing admin becomes owner', async () => {
      const [owner, earlyMember, firstAdmin, laterAdmin] = await registerMany(4);
      const chat = await group(owner, 'Succession', [earlyMember]);
      await addMembers(owner, chat.id, [firstAdmin]);
      await addMembers(owner, chat.id, [laterAdmin]);
      // No REST route promotes a member (the contract has none): arrange the admins in the database.
      await svc.db.query(`UPDATE chat_members SET role = 'admin' WHERE chat_id = $1 AND user_id = ANY($2)`, [
        chat.id,
        [firstAdmin.id, laterAdmin.id],
      ]);
      const before = await detail(owner, chat.id);
      const joined = (u: TestUser) => before.members.find((m) => m.user.id === u.id)!.joinedAt;
      expect(joined(earlyMember) < joined(firstAdmin)).toBe(true);
      expect(joined(firstAdmin) < joined(laterAdmin)).toBe(true);

      expect((await api().delete(`/api/chats/${chat.id}/members/${owner.id}`).set(owner.auth)).status).toBe(204);
      const after = await detail(earlyMember, chat.id);
      expect(after.members.map((m) => [m.user.id, m.role])).toEqual([
        [earlyMember.id, 'member'],
        [firstAdmin.id, 'owner'],
        [laterAdmin.id, 'admin'],
      ]);
      expect(after.lastMessage).toMatchObject({ type: 'system', event: { kind: 'member_left', actorId: owner.id, userIds: [owner.id] } });
      // The new owner has the owner's rights.
      expect((await rename(firstAdmin, chat.id, 'New era')).status).toBe(200);
      expect((await api().delete(`/api/chats/${chat.id}/members/${laterAdmin.id}`).set(firstAdmin.auth)).status).toBe(204);
    });

    it('when the owner leaves and there is no admin, the longest-standing member becomes owner', async () => {
      const [owner, first, second, third] = await registerMany(4);
      const chat = await group(owner, 'No admins', [first]);
      await addMembers(owner, chat.id, [second]);
      await addMembers(owner, chat.id, [third]);
      expect((await api().delete(`/api/chats/${chat.id}/members/${owner.id}`).set(owner.auth)).status).toBe(204);
      const after = await detail(third, chat.id);
      expect(after.members.map((m) => [m.user.id, m.role])).toEqual([
        [first.id, 'owner'],
        [second.id, 'member'],
        [third.id, 'member'],
      ]);
      // And again: the next longest-standing one takes over.
      expect((await api().delete(`/api/chats/${chat.id}/members/${first.id}`).set(first.auth)).status).toBe(204);
      expect((await detail(third, chat.id)).members.map((m) => [m.user.id, m.role])).toEqual([
        [second.id, 'owner'],
        [third.id, 'member'],
      ]);
      expect((await detail(third, chat.id)).memberCount).toBe(2);
    });
  });

  describe('system messages', () => {
    it('each change stores a system message with readable text and an event, in seq order', async () => {
      const [owner, m1, m2, m3] = await registerMany(4);
      const chat = await group(owner, 'History', [m1]);
      await addMembers(owner, chat.id, [m2, m3]);
      await rename(owner, chat.id, 'Renamed ✨');
      await api().delete(`/api/chats/${chat.id}/members/${m2.id}`).set(owner.auth).expect(204);
      await api().delete(`/api/chats/${chat.id}/members/${m3.id}`).set(m3.auth).expect(204);

      expect(await storedMessages(chat.id)).toEqual([
        {
          seq: 1,
          senderId: owner.id,
          type: 'system',
          text: `@${owner.username} created the group “History”`,
          event: { kind: 'created', actorId: owner.id, userIds: [m1.id], title: 'History' },
        },
        {
          seq: 2,
          senderId: owner.id,
          type: 'system',
          text: `@${owner.username} added @${m2.username}, @${m3.username}`,
          event: { kind: 'member_added', actorId: owner.id, userIds: [m2.id, m3.id] },
        },
        {
          seq: 3,
          senderId: owner.id,
          type: 'system',
          text: `@${owner.username} renamed the group to “Renamed ✨”`,
          event: { kind: 'renamed', actorId: owner.id, title: 'Renamed ✨' },
        },
        {
          seq: 4,
          senderId: owner.id,
          type: 'system',
          text: `@${owner.username} removed @${m2.username}`,
          event: { kind: 'member_removed', actorId: owner.id, userIds: [m2.id] },
        },
        {
          seq: 5,
          senderId: m3.id,
          type: 'system',
          text: `@${m3.username} left`,
          event: { kind: 'member_left', actorId: m3.id, userIds: [m3.id] },
        },
      ]);
      const seen = await detail(m1, chat.id);
      expect(seen.lastSeq).toBe(5);
      expect(seen.title).toBe('Renamed ✨');
      expect(seen.unreadCount).toBe(5);
      expect(seen.lastMessage).toEqual(
        systemMessage(chat.id, 5, m3, `@${m3.username} left`, { kind: 'member_left', actorId: m3.id, userIds: [m3.id] }),
      );
      // The rename's answer carries the renamed chat, and its lastMessage is the renamed event.
      const renamed = await rename(owner, chat.id, 'Again');
      expect(renamed.body.lastMessage).toEqual(
        systemMessage(chat.id, 6, owner, `@${owner.username} renamed the group to “Again”`, {
          kind: 'renamed',
          actorId: owner.id,
          title: 'Again',
        }),
      );
      expect(renamed.body.lastSeq).toBe(6);
    });
  });

  describe('pins and list order', () => {
    it('pinned first (most recently pinned first), then by last activity; a system message moves a chat up', async () => {
      const [me, other] = await registerMany(2);
      const chats: Detail[] = [];
      for (let i = 1; i <= 6; i++) chats.push(await group(me, `G${i}`, [other]));
      const [g1, g2, g3, g4, g5, g6] = chats;
      expect(await listIds(me)).toEqual([g6, g5, g4, g3, g2, g1].map((c) => c.id));

      expect((await rename(me, g2.id, 'G2 renamed')).status).toBe(200); // activity: G2 moves up
      expect((await api().put(`/api/chats/${g4.id}/pin`).set(me.auth)).status).toBe(204);
      expect((await api().put(`/api/chats/${g1.id}/pin`).set(me.auth)).status).toBe(204);

      const mine = (await list(me)).items;
      expect(mine.map((c) => c.id)).toEqual([g1, g4, g2, g6, g5, g3].map((c) => c.id));
      expect(mine.map((c) => c.pinned)).toEqual([true, true, false, false, false, false]);
      expect(mine[0].pinnedAt! > mine[1].pinnedAt!).toBe(true);
      expect(mine.slice(2).map((c) => c.pinnedAt)).toEqual([null, null, null, null]);
      const activity = mine.slice(2).map((c) => c.lastActivityAt);
      expect(activity).toEqual([...activity].sort().reverse());
      expect(mine[2].lastMessage).toMatchObject({ seq: 2, event: { kind: 'renamed', title: 'G2 renamed' } });
      expect(mine[2].lastActivityAt).toBe(mine[2].lastMessage!.createdAt); // stored in the same transaction

      // The other member is unaffected by my pins, but sees the rename activity.
      const theirs = (await list(other)).items;
      expect(theirs.map((c) => c.id)).toEqual([g2, g6, g5, g4, g3, g1].map((c) => c.id));
      expect(theirs.every((c) => c.pinned === false && c.pinnedAt === null)).toBe(true);
      expect((await detail(other, g1.id)).pinned).toBe(false);
      expect((await detail(me, g1.id)).pinned).toBe(true);

      // Unpin: back to its place by activity; unpinning twice is fine.
      expect((await api().delete(`/api/chats/${g4.id}/pin`).set(me.auth)).status).toBe(204);
      expect((await api().delete(`/api/chats/${g4.id}/pin`).set(me.auth)).status).toBe(204);
      expect(await listIds(me)).toEqual([g1, g2, g6, g5, g4, g3].map((c) => c.id));
      // Re-pinning moves it to the top of the pinned ones.
      await api().put(`/api/chats/${g4.id}/pin`).set(me.auth).expect(204);
      expect(await listIds(me)).toEqual([g4, g1, g2, g6, g5, g3].map((c) => c.id));
    });

    it('at most 5 pinned chats: the 6th is 422 PIN_LIMIT; pinning a pinned chat again is fine', async () => {
      const [me, other] = await registerMany(2);
      const chats: Detail[] = [];
      for (let i = 0; i < 7; i++) chats.push(await group(me, `P${i}`, [other]));
      for (const c of chats.slice(0, 5)) expect((await api().put(`/api/chats/${c.id}/pin`).set(me.auth)).status).toBe(204);
      const err = expectError(await api().put(`/api/chats/${chats[5].id}/pin`).set(me.auth), 422, 'PIN_LIMIT');
      expect(err.message).toContain('5');
      expect((await api().put(`/api/chats/${chats[0].id}/pin`).set(me.auth)).status).toBe(204);
      expect((await detail(me, chats[5].id)).pinned).toBe(false);
      expect((await list(me)).items.filter((c) => c.pinned)).toHaveLength(5);

      // The other member can still pin any of them.
      expect((await api().put(`/api/chats/${chats[5].id}/pin`).set(other.auth)).status).toBe(204);
      expect((await detail(me, chats[5].id)).pinned).toBe(false);

      await api().delete(`/api/chats/${chats[2].id}/pin`).set(me.auth).expect(204);
      expect((await api().put(`/api/chats/${chats[5].id}/pin`).set(me.auth)).status).toBe(204);
      const pinned = await svc.db.query(`SELECT chat_id FROM chat_members WHERE user_id = $1 AND pinned_at IS NOT NULL`, [me.id]);
      expect(pinned.rows.map((r) => r.chat_id).sort()).toEqual([0, 1, 3, 4, 5].map((i) => chats[i].id).sort());
    });

    it('concurrent pins respect the limit', async () => {
      const [me, other] = await registerMany(2);
      const chats: Detail[] = [];
      for (let i = 0; i < 8; i++) chats.push(await group(me, `C${i}`, [other]));
      const answers = await Promise.all(chats.map((c) => api().put(`/api/chats/${c.id}/pin`).set(me.auth)));
      expect(answers.map((r) => r.status).sort()).toEqual([204, 204, 204, 204, 204, 422, 422, 422]);
      const pinned = await svc.db.query(`SELECT count(*)::int AS n FROM chat_members WHERE user_id = $1 AND pinned_at IS NOT NULL`, [
        me.id,
      ]);
      expect(pinned.rows[0].n).toBe(5);
    });
  });

  describe('chat list paging', () => {
    let walker: TestUser;
    let expected: string[];

    beforeAll(async () => {
      const [me, other, third] = await registerMany(3);
      walker = me;
      const made: Detail[] = [];
      for (let i = 0; i < 10; i++) made.push(await group(me, `W${i}`, [other]));
      made.push(await direct(me, other));
      made.push(await direct(third, me));
      made.push(await group(other, 'Theirs', [me, third]));
      // Activity and pins, so that the list mixes both orders.
      await rename(me, made[1].id, 'W1 moved up');
      await rename(me, made[6].id, 'W6 moved up');
      for (const i of [3, 10, 8]) await api().put(`/api/chats/${made[i].id}/pin`).set(me.auth).expect(204);
      expected = [8, 10, 3, 6, 1, 12, 11, 9, 7, 5, 4, 2, 0].map((i) => made[i].id);
    }, 60_000);

    it('one big page has the documented order and the ChatSummary shape of the contract', async () => {
      const page = await list(walker);
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((c) => c.id)).toEqual(expected);
      for (const item of page.items) {
        expectSummaryShape(item);
        if (item.type === 'direct') {
          expect(item.title).toBeNull();
          expect(Object.keys(item.peer!).sort()).toEqual(['about', 'displayName', 'id', 'lastSeenAt', 'online', 'username']);
        } else {
          expect(item.peer).toBeNull();
          expect(typeof item.title).toBe('string');
        }
      }
      // Default page size (50) holds all 13.
      expect((await list(walker, {})).items.map((c) => c.id)).toEqual(expected);
    });

    it.each([1, 2, 3, 5, 12, 13])('walking all pages with limit=%i gives the same list: no duplicates, no gaps', async (limit) => {
      const all = (await list(walker)).items;
      const walked: Summary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list(walker, cursor ? { limit, cursor } : { limit });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        walked.push(...page.items);
        cursor = page.nextCursor;
        pages++;
        expect(pages).toBeLessThanOrEqual(13);
      } while (cursor);
      expect(pages).toBe(Math.ceil(13 / limit));
      expect(walked).toEqual(all);
    });

    it('pins with equal pinnedAt still page without duplicates or gaps', async () => {
      const [me, other] = await registerMany(2);
      const chats: Detail[] = [];
      for (let i = 0; i < 4; i++) chats.push(await group(me, `T${i}`, [other]));
      for (const c of chats) await api().put(`/api/chats/${c.id}/pin`).set(me.auth).expect(204);
      // Arranged in the database: two pins in the same microsecond (as two concurrent requests could do).
      await svc.db.query(`UPDATE chat_members SET pinned_at = '2030-01-01T00:00:00Z' WHERE user_id = $1`, [me.id]);
      const all = (await list(me)).items;
      expect(all.map((c) => c.id)).toEqual([...chats].reverse().map((c) => c.id));
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(me, cursor ? { limit: 1, cursor } : { limit: 1 });
        walked.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor && walked.length < 10);
      expect(walked).toEqual(all.map((c) => c.id));
    });

    it('refuses a bad cursor or limit with 400 VALIDATION_FAILED', async () => {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const good = (await list(walker, { limit: 2 })).nextCursor!;
      const decoded = JSON.parse(Buffer.from(good, 'base64url').toString());
      const bad = [
        'garbage!!',
        'x'.repeat(501),
        enc({ a: 'x' }),
        enc(null),
        enc([1, 2]),
        enc({ ...decoded, id: 'not-a-uuid' }),
        enc({ ...decoded, id: '-'.repeat(36) }),
        enc({ p: decoded.p, id: decoded.id }),
        enc({ p: decoded.p, a: decoded.a }),
        // Dates JavaScript accepts but PostgreSQL does not, or no dates at all.
        enc({ p: null, a: '1', id: decoded.id }),
        enc({ p: null, a: '0000-01-01T00:00:00.000000Z', id: decoded.id }),
        enc({ p: null, a: '2024-02-30T10:00:00.000000Z', id: decoded.id }),
        enc({ p: null, a: '2023-02-29T10:00:00.000000Z', id: decoded.id }),
        enc({ p: '2024-01-01T24:00:00.000000Z', a: decoded.a, id: decoded.id }),
        enc({ p: 5, a: decoded.a, id: decoded.id }),
        enc({ p: null, a: 'infinity', id: decoded.id }),
      ];
      for (const cursor of bad) {
        const res = await api().get('/api/chats').query({ cursor, limit: 2 }).set(walker.auth);
        expectError(res, 400, 'VALIDATION_FAILED');
      }
      for (const limit of [0, 101, -1, 'abc', 1.5]) {
        expectError(await api().get('/api/chats').query({ limit }).set(walker.auth), 400, 'VALIDATION_FAILED');
      }
      expect((await list(walker, { limit: 100 })).items).toHaveLength(13);
      expectError(await api().get('/api/chats'), 401, 'UNAUTHORIZED');
    });
  });

  describe('read and delivered cursors', () => {
    it('unreadCount saturates at 999 for a chat with more unread messages', async () => {
      const [owner, reader] = await registerMany(2);
      const chat = await group(owner, 'Busy', [reader]); // seq 1
      // Seeding: 1,200 more messages from the owner, as many sends would store them.
      await svc.db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, type, text) SELECT $1, g, $2, 'text', 'm' || g FROM generate_series(2, 1201) g`,
        [chat.id, owner.id],
      );
      await svc.db.query(`UPDATE chats SET last_seq = 1201 WHERE id = $1`, [chat.id]);
      const summary = async () => (await list(reader)).items.find((c) => c.id === chat.id)!;
      expect(await summary()).toMatchObject({ lastSeq: 1201, unreadCount: 999 });
      await api().post(`/api/chats/${chat.id}/read`).set(reader.auth).send({ seq: 1000 }).expect(204);
      expect(await summary()).toMatchObject({ readSeq: 1000, unreadCount: 201 });
    });

    it('move forward only, are clamped to lastSeq, and drive readSeq and unreadCount', async () => {
      const [owner, reader] = await registerMany(2);
      const chat = await group(owner, 'Cursors', [reader]); // seq 1
      await rename(owner, chat.id, 'two'); // seq 2
      await rename(owner, chat.id, 'three'); // seq 3
      const summary = async () => (await list(reader)).items.find((c) => c.id === chat.id)!;
      const mine = async () => (await detail(owner, chat.id)).members.find((m) => m.user.id === reader.id)!;

      expect(await summary()).toMatchObject({ lastSeq: 3, readSeq: 0, unreadCount: 3 });
      expect((await api().post(`/api/chats/${chat.id}/read`).set(reader.auth).send({ seq: 2 })).status).toBe(204);
      expect(await summary()).toMatchObject({ lastSeq: 3, readSeq: 2, unreadCount: 1 });
      expect(await mine()).toMatchObject({ readSeq: 2, deliveredSeq: 2 });

      // Lower: accepted and ignored.
      expect((await api().post(`/api/chats/${chat.id}/read`).set(reader.auth).send({ seq: 1 })).status).toBe(204);
      expect(await summary()).toMatchObject({ readSeq: 2, unreadCount: 1 });
      // Beyond lastSeq: clamped.
      expect((await api().post(`/api/chats/${chat.id}/read`).set(reader.auth).send({ seq: 1000 })).status).toBe(204);
      expect(await summary()).toMatchObject({ readSeq: 3, unreadCount: 0 });
      expect((await detail(reader, chat.id)).readSeq).toBe(3);
      expect(await mine()).toMatchObject({ readSeq: 3, deliveredSeq: 3 });
      const stored = await svc.db.query(`SELECT read_seq, delivered_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [
        chat.id,
        reader.id,
      ]);
      expect(stored.rows[0]).toEqual({ read_seq: 3, delivered_seq: 3 });

      // A new message from someone else is unread again.
      await rename(owner, chat.id, 'four');
      expect(await summary()).toMatchObject({ lastSeq: 4, readSeq: 3, unreadCount: 1 });
      // The owner's own messages never count as unread for the owner.
      expect((await detail(owner, chat.id)).unreadCount).toBe(0);
    });

    it('delivered moves forward only, is clamped, and leaves readSeq alone', async () => {
      const [owner, reader] = await registerMany(2);
      const chat = await group(owner, 'Delivered', [reader]);
      await rename(owner, chat.id, 'two');
      await rename(owner, chat.id, 'three');
      const mine = async () => (await detail(owner, chat.id)).members.find((m) => m.user.id === reader.id)!;
      expect((await api().post(`/api/chats/${chat.id}/delivered`).set(reader.auth).send({ seq: 2 })).status).toBe(204);
      expect(await mine()).toMatchObject({ deliveredSeq: 2, readSeq: 0 });
      expect((await api().post(`/api/chats/${chat.id}/delivered`).set(reader.auth).send({ seq: 1 })).status).toBe(204);
      expect(await mine()).toMatchObject({ deliveredSeq: 2, readSeq: 0 });
      expect((await api().post(`/api/chats/${chat.id}/delivered`).set(reader.auth).send({ seq: 99 })).status).toBe(204);
      expect(await mine()).toMatchObject({ deliveredSeq: 3, readSeq: 0 });
      expect((await list(reader)).items.find((c) => c.id === chat.id)).toMatchObject({ readSeq: 0, unreadCount: 3 });
    });

    it('validates seq', async () => {
      const [owner, reader] = await registerMany(2);
      const chat = await group(owner, 'Validate', [reader]);
      for (const route of ['read', 'delivered']) {
        for (const body of [{}, { seq: -1 }, { seq: 1.5 }, { seq: '2' }, { seq: 2 ** 31 }, { seq: 1, extra: true }]) {
          expectError(await api().post(`/api/chats/${chat.id}/${route}`).set(reader.auth).send(body), 400, 'VALIDATION_FAILED');
        }
        expect((await api().post(`/api/chats/${chat.id}/${route}`).set(reader.auth).send({ seq: 0 })).status).toBe(204);
      }
    });
  });

  describe('delete the dialog for me', () => {
    it('hides the group from my list only; nothing is removed; a later change brings it back with only newer messages', async () => {
      const [me, other] = await registerMany(2);
      const chat = await group(other, 'Dialog', [me]); // seq 1
      await rename(other, chat.id, 'Dialog 2'); // seq 2
      await api().put(`/api/chats/${chat.id}/pin`).set(me.auth).expect(204);
      const theirsBefore = await detail(other, chat.id);
      const theirListBefore = (await list(other)).items.find((c) => c.id === chat.id);

      expect((await api().delete(`/api/chats/${chat.id}`).set(me.auth)).status).toBe(204);
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
      await rename(other, chat.id, 'Dialog 3');
      const back = (await list(me)).items.find((c) => c.id === chat.id)!;
      expect(back).toMatchObject({ title: 'Dialog 3', lastSeq: 3, unreadCount: 1, pinned: false });
      expect(back.lastMessage).toMatchObject({ seq: 3, event: { kind: 'renamed', title: 'Dialog 3' } });
      const after = await svc.db.query(`SELECT hidden, cleared_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [
        chat.id,
        me.id,
      ]);
      expect(after.rows[0]).toEqual({ hidden: false, cleared_seq: 2 });
      expect((await storedMessages(chat.id)).map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    it('hides a direct chat from my list only, frees its pin slot, and a new message brings it back with only newer messages', async () => {
      const [me, peer, ...rest] = await registerMany(7);
      const chat = await direct(me, peer);
      const send = (u: TestUser, text: string) =>
        api().post(`/api/chats/${chat.id}/messages`).set(u.auth).send({ clientId: randomUUID(), text }).expect(201);
      await send(peer, 'before 1');
      await send(me, 'before 2');
      const groups: Detail[] = [];
      for (const u of rest.slice(0, 4)) groups.push(await group(me, `pin ${u.username}`, [u]));
      for (const c of [chat, ...groups]) await api().put(`/api/chats/${c.id}/pin`).set(me.auth).expect(204);
      const extra = await group(me, 'extra', [rest[4]]);
      expectError(await api().put(`/api/chats/${extra.id}/pin`).set(me.auth), 422, 'PIN_LIMIT');
      const peerBefore = await detail(peer, chat.id);

      expect((await api().delete(`/api/chats/${chat.id}`).set(me.auth)).status).toBe(204);
      expect(await listIds(me)).not.toContain(chat.id);
      expect(await listIds(peer)).toContain(chat.id);
      expect(await detail(peer, chat.id)).toEqual(peerBefore);
      expect((await api().put(`/api/chats/${extra.id}/pin`).set(me.auth)).status).toBe(204);
      expect(await memberRows(chat.id)).toEqual([me.id, peer.id].sort());
      const stored = await svc.db.query(`SELECT hidden, cleared_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [
        chat.id,
        me.id,
      ]);
      expect(stored.rows[0]).toEqual({ hidden: true, cleared_seq: 2 });
      expect((await storedMessages(chat.id)).map((m) => m.text)).toEqual(['before 1', 'before 2']);
      // Opening the pair again answers with the same chat, with nothing visible to me.
      const reopened = await api().post('/api/chats').set(me.auth).send({ type: 'direct', userId: peer.id });
      expect(reopened.status).toBe(200);
      expect(reopened.body).toMatchObject({ id: chat.id, lastMessage: null, unreadCount: 0, lastSeq: 2 });

      // The peer writes again: the chat is back in my list, with only the new message.
      await send(peer, 'after');
      const back = (await list(me)).items.find((c) => c.id === chat.id)!;
      expect(back).toMatchObject({ lastSeq: 3, unreadCount: 1, peer: publicUser(peer), pinned: false });
      expect(back.lastMessage).toMatchObject({ seq: 3, text: 'after', senderId: peer.id, type: 'text' });
      const mine = await api().get(`/api/chats/${chat.id}/messages`).set(me.auth);
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((m: { seq: number }) => m.seq)).toEqual([3]);
      const theirs = await api().get(`/api/chats/${chat.id}/messages`).set(peer.auth);
      expect(theirs.body.items.map((m: { text: string }) => m.text)).toEqual(['before 1', 'before 2', 'after']);
    });
  });

  describe('non-members and bad ids', () => {
    it('a non-member gets 404 CHAT_NOT_FOUND on every chat route, the same as for a chat that does not exist', async () => {
      const [owner, member, outsider] = await registerMany(3);
      const chat = await group(owner, 'Private', [member]);
      const before = await detail(owner, chat.id);
      const routes = (id: string) =>
        [
          () => api().get(`/api/chats/${id}`),
          () => api().patch(`/api/chats/${id}`).send({ title: 'mine now' }),
          () =>
            api()
              .post(`/api/chats/${id}/members`)
              .send({ userIds: [outsider.id] }),
          () => api().delete(`/api/chats/${id}/members/${member.id}`),
          () => api().delete(`/api/chats/${id}/members/${outsider.id}`),
          () => api().put(`/api/chats/${id}/pin`),
          () => api().delete(`/api/chats/${id}/pin`),
          () => api().delete(`/api/chats/${id}`),
          () => api().post(`/api/chats/${id}/read`).send({ seq: 1 }),
          () => api().post(`/api/chats/${id}/delivered`).send({ seq: 1 }),
        ] as Array<() => request.Test>;
      const existing = routes(chat.id);
      const missing = routes(MISSING_ID);
      for (let i = 0; i < existing.length; i++) {
        const a = expectError(await existing[i]().set(outsider.auth), 404, 'CHAT_NOT_FOUND');
        const b = expectError(await missing[i]().set(outsider.auth), 404, 'CHAT_NOT_FOUND');
        expect(a).toEqual(b);
      }
      expect(await detail(owner, chat.id)).toEqual(before);
      expect(await memberRows(chat.id)).toEqual([owner.id, member.id].sort());
      expect(await listIds(outsider)).not.toContain(chat.id);
    });

    it('a malformed id in the path is 400 VALIDATION_FAILED', async () => {
      const [owner, member] = await registerMany(2);
      const chat = await group(owner, 'Ids', [member]);
      const calls = [
        () => api().get('/api/chats/not-a-uuid'),
        () => api().patch('/api/chats/not-a-uuid').send({ title: 'x' }),
        () =>
          api()
            .post('/api/chats/not-a-uuid/members')
            .send({ userIds: [member.id] }),
        () => api().delete(`/api/chats/not-a-uuid/members/${member.id}`),
        () => api().delete(`/api/chats/${chat.id}/members/not-a-uuid`),
        () => api().put('/api/chats/123/pin'),
        () => api().delete('/api/chats/123/pin'),
        () => api().delete('/api/chats/123'),
        () => api().post('/api/chats/123/read').send({ seq: 1 }),
        () => api().post('/api/chats/123/delivered').send({ seq: 1 }),
      ];
      for (const call of calls) expectError(await call().set(owner.auth), 400, 'VALIDATION_FAILED');
      expect((await detail(owner, chat.id)).memberCount).toBe(2);
    });
  });
});

/**
 * A TCP proxy in front of PostgreSQL that records every statement the service sends: simple
 * queries ('Q') and executions of the extended protocol ('E', with the text of the last 'P').
 * Counting on the wire is exact and immediate (pg_stat_* lag, pg_stat_statements needs a preload).
 */
class StatementRecorder {
  readonly statements: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.handle(client));
  }

  listen(): Promise<number> {
    return new Promise((ok) => this.server.listen(0, '127.0.0.1', () => ok((this.server.address() as AddressInfo).port)));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((ok) => this.server.close(() => ok()));
  }

  private handle(client: Socket) {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let started = false;
    let lastParsed = '';
    const cstring = (buf: Buffer, from: number) => {
      const end = buf.indexOf(0, from);
      return { text: buf.subarray(from, end).toString('utf8'), next: end + 1 };
    };
    client.on('data', (chunk) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          // Startup, SSL and GSS requests have no type byte.
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) return;
          const code = buffer.readInt32BE(4);
          if (code !== 80877103 && code !== 80877104) started = true;
          buffer = buffer.subarray(len);
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0]);
        const total = 1 + buffer.readInt32BE(1);
        if (buffer.length < total) return;
        const body = buffer.subarray(5, total);
        if (type === 'Q') this.statements.push(cstring(body, 0).text);
        if (type === 'P') lastParsed = cstring(body, cstring(body, 0).next).text;
        if (type === 'E') this.statements.push(lastParsed);
        buffer = buffer.subarray(total);
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}

describe('chat list cost (statements counted on the wire)', () => {
  let recorder: StatementRecorder;
  let service: Awaited<ReturnType<typeof spawnService>>;
  let databaseUrl: string;
  let db: Pool;

  beforeAll(async () => {
    databaseUrl = await createDatabase();
    const admin = new URL(PG_ADMIN_URL);
    recorder = new StatementRecorder({ host: admin.hostname, port: Number(admin.port || 5432) });
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await recorder.listen());
    service = await spawnService({ DATABASE_URL: proxied.toString() });
    db = new Pool({ connectionString: databaseUrl, max: 2 });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await recorder?.close();
    await db?.end();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  /**
   * Seeding straight into the database (not through the API, for speed): `n` chats for `owner`,
   * alternately direct (each with its own seeded peer) and group, each with two text messages:
   * seq 1 from the peer, seq 2 from the owner on every third chat, else from the peer. Chat i has
   * the i-th most recent activity.
   */
  async function seedChats(ownerId: string, n: number) {
    const tag = randomUUID().slice(0, 8);
    const peers = await db.query(
      `INSERT INTO users (username, username_key, display_name, password_hash)
       SELECT 'p' || $1 || '_' || g, 'p' || $1 || '_' || g, 'Peer ' || g, 'seeded-no-login'
         FROM generate_series(0, $2 - 1) g RETURNING id, username`,
      [tag, n],
    );
    const byName = new Map(peers.rows.map((r) => [r.username as string, r.id as string]));
    const chats = Array.from({ length: n }, (_, i) => {
      const peerId = byName.get(`p${tag}_${i}`)!;
      const type = i % 2 === 0 ? 'direct' : 'group';
      return {
        id: randomUUID(),
        i,
        type,
        title: type === 'group' ? `Seeded ${i}` : null,
        directKey: type === 'direct' ? [ownerId, peerId].sort().join(':') : null,
        peerId,
        lastSender: i % 3 === 0 ? ownerId : peerId,
      };
    });
    await db.query(
      `INSERT INTO chats (id, type, title, direct_key, last_seq, member_count, last_activity_at, created_by, created_at)
       SELECT id, type, title, direct_key, 2, 2, now() - i * interval '1 second', $5, now() - interval '1 day'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $6::int[]) AS t(id, type, title, direct_key, i)`,
      [
        chats.map((c) => c.id),
        chats.map((c) => c.type),
        chats.map((c) => c.title),
        chats.map((c) => c.directKey),
        ownerId,
        chats.map((c) => c.i),
      ],
    );
    await db.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT chat_id, user_id, role FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(chat_id, user_id, role)`,
      [
        chats.flatMap((c) => [c.id, c.id]),
        chats.flatMap((c) => [ownerId, c.peerId]),
        chats.flatMap((c) => [c.type === 'group' ? 'owner' : 'member', 'member']),
      ],
    );
    await db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, type, text)
       SELECT chat_id, seq, sender_id, 'text', text FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[]) AS t(chat_id, seq, sender_id, text)`,
      [
        chats.flatMap((c) => [c.id, c.id]),
        chats.flatMap(() => [1, 2]),
        chats.flatMap((c) => [c.peerId, c.lastSender]),
        chats.flatMap((c) => [`hello ${c.i}`, `last ${c.i}`]),
      ],
    );
    return chats;
  }

  async function statementsOf(call: () => Promise<request.Response>): Promise<{ res: request.Response; statements: string[] }> {
    recorder.statements.length = 0;
    const res = await call();
    // The same statement with a longer IN (...) list is the same statement.
    const statements = recorder.statements.map((s) => s.replace(/\$\d+(, \$\d+)*/g, '$n'));
    return { res, statements };
  }

  it('a list request costs the same number of statements for 5, 100 and 1,000 chats', async () => {
    const counts: Record<string, number> = {};
    let reference: string[] = [];
    for (const n of [5, 100, 1000]) {
      const user = await registerUser(service.url);
      const seeded = await seedChats(user.id, n);
      const { res, statements } = await statementsOf(() => request(service.url).get('/api/chats').query({ limit: 100 }).set(user.auth));
      expect(res.status).toBe(200);
      counts[n] = statements.length;
      if (n === 5) reference = statements;
      // Same statements, same number: nothing runs per chat.
      expect({ n, statements }).toEqual({ n, statements: reference });

      // The first page is right: newest activity first, with peer, last message and unread count.
      const shown = Math.min(n, 100);
      expect(res.body.items.map((c: Summary) => c.id)).toEqual(seeded.slice(0, shown).map((c) => c.id));
      expect(res.body.nextCursor === null).toBe(n <= 100);
      for (const [k, item] of (res.body.items as Summary[]).entries()) {
        const c = seeded[k];
        expectSummaryShapeOf(item);
        expect(item).toMatchObject({
          type: c.type,
          title: c.title,
          memberCount: 2,
          pinned: false,
          lastSeq: 2,
          readSeq: 0,
          unreadCount: c.lastSender === user.id ? 1 : 2,
          lastMessage: {
            seq: 2,
            text: `last ${c.i}`,
            senderId: c.lastSender,
            type: 'text',
            status: c.lastSender === user.id ? 'sent' : null,
          },
        });
        if (c.type === 'direct') expect(item.peer).toMatchObject({ id: c.peerId, displayName: `Peer ${c.i}` });
        else expect(item.peer).toBeNull();
      }
      if (n === 1000) {
        // And the whole list pages through in order.
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page: request.Response = await request(service.url)
            .get('/api/chats')
            .query(cursor ? { limit: 100, cursor } : { limit: 100 })
            .set(user.auth);
          expect(page.status).toBe(200);
          ids.push(...page.body.items.map((c: Summary) => c.id));
          cursor = page.body.nextCursor;
        } while (cursor && ids.length <= 1000);
        expect(ids).toEqual(seeded.map((c) => c.id));
        // A later page costs the same as the first.
        const { res: later, statements: laterStatements } = await statementsOf(() =>
          request(service.url).get('/api/chats').query({ limit: 100, cursor: res.body.nextCursor }).set(user.auth),
        );
        expect(later.status).toBe(200);
        expect(laterStatements).toHaveLength(counts[n]);
      }
    }
    expect(counts[100]).toBe(counts[5]);
    expect(counts[1000]).toBe(counts[5]);
    // Session check, the page query, last messages, peers, attachments, status cursors.
    expect(counts[5]).toBeLessThanOrEqual(6);
  }, 120_000);

  function expectSummaryShapeOf(item: Summary) {
    expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
    expect(Object.keys(item.lastMessage!).sort()).toEqual(MESSAGE_KEYS);
  }
});
