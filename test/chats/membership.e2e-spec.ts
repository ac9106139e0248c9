import { expectError, ok, TestUser } from '../support/api';
import { setRole } from '../support/seed';
import { useService } from '../support/service';
import { chatReads, roleOf, systemMessage } from './support';

describe('chats: roles, membership and their system messages', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, listIds, storedMessages, memberRows } = chatReads(svc);

  describe('roles and membership', () => {
    it('only the owner or an admin renames and adds; a member gets 403 and nothing changes', async () => {
      const [owner, admin, member, newcomer, another] = await api.newUsers(5);
      const chat = await api.newGroup(owner, [admin, member], 'Roles');
      await setRole(svc.db, chat.id, [admin], 'admin');

      expectError(await api.rename(member, chat.id, 'Hijacked'), 403, 'FORBIDDEN');
      expectError(await api.addMembers(member, chat.id, [newcomer]), 403, 'FORBIDDEN');
      expectError(await api.removeMember(member, chat.id, admin), 403, 'FORBIDDEN');
      let now = await detail(owner, chat.id);
      expect(now.title).toBe('Roles');
      expect(now.memberCount).toBe(3);
      expect(now.lastSeq).toBe(1);

      const byAdmin = await api.rename(admin, chat.id, 'By admin');
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.title).toBe('By admin');
      const added = await api.addMembers(admin, chat.id, [newcomer]);
      expect(added.status).toBe(200);
      expect(added.body.memberCount).toBe(4);
      expect(roleOf(added.body, newcomer)).toBe('member');
      const byOwner = await api.rename(owner, chat.id, 'By owner');
      expect(byOwner.body.title).toBe('By owner');
      expect((await api.addMembers(owner, chat.id, [another])).body.memberCount).toBe(5);

      // An admin cannot remove the owner; the owner can remove an admin.
      expectError(await api.removeMember(admin, chat.id, owner), 403, 'FORBIDDEN');
      expect((await api.removeMember(admin, chat.id, another)).status).toBe(204);
      expect((await api.removeMember(owner, chat.id, admin)).status).toBe(204);
      now = await detail(owner, chat.id);
      expect(now.members.map((m) => m.user.id).sort()).toEqual([owner.id, member.id, newcomer.id].sort());
      // Removing someone who is not a member.
      expectError(await api.removeMember(owner, chat.id, another), 404, 'MEMBER_NOT_FOUND');
    });

    it('a direct chat cannot be renamed or get members (403)', async () => {
      const [a, b, c] = await api.newUsers(3);
      const chat = await api.newDirect(a, b);
      expectError(await api.rename(a, chat.id, 'Nope'), 403, 'FORBIDDEN');
      expectError(await api.addMembers(a, chat.id, [c]), 403, 'FORBIDDEN');
      expectError(await api.removeMember(a, chat.id, b), 403, 'FORBIDDEN');
      const now = await detail(b, chat.id);
      expect(now.title).toBeNull();
      expect(now.memberCount).toBe(2);
      expect(await memberRows(chat.id)).toEqual([a.id, b.id].sort());
    });

    it('any member may leave; the leaver and a removed member get 404 afterwards', async () => {
      const [owner, leaver, removed, stay] = await api.newUsers(4);
      const chat = await api.newGroup(owner, [leaver, removed, stay], 'Leaving');

      expect((await api.removeMember(leaver, chat.id, leaver)).status).toBe(204);
      let now = await detail(stay, chat.id);
      expect(now.memberCount).toBe(3);
      expect(now.lastMessage).toEqual(
        systemMessage(chat.id, 2, leaver, `@${leaver.username} left`, { kind: 'member_left', actorId: leaver.id, userIds: [leaver.id] }),
      );

      expect((await api.removeMember(owner, chat.id, removed)).status).toBe(204);
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
        expectError(await api.chat(gone, chat.id), 404, 'CHAT_NOT_FOUND');
        expectError(await api.rename(gone, chat.id, 'x'), 404, 'CHAT_NOT_FOUND');
        expectError(await api.read(gone, chat.id, { seq: 1 }), 404, 'CHAT_NOT_FOUND');
        expectError(await api.pin(gone, chat.id), 404, 'CHAT_NOT_FOUND');
        expect(await listIds(gone)).not.toContain(chat.id);
      }
      expect(await memberRows(chat.id)).toEqual([owner.id, stay.id].sort());
    });

    it('when the owner leaves, the longest-standing admin becomes owner', async () => {
      const [owner, earlyMember, firstAdmin, laterAdmin] = await api.newUsers(4);
      const chat = await api.newGroup(owner, [earlyMember], 'Succession');
      await api.addMembers(owner, chat.id, [firstAdmin]);
      await api.addMembers(owner, chat.id, [laterAdmin]);
      await setRole(svc.db, chat.id, [firstAdmin, laterAdmin], 'admin');
      const before = await detail(owner, chat.id);
      const joined = (u: TestUser) => before.members.find((m) => m.user.id === u.id)!.joinedAt;
      expect(joined(earlyMember) < joined(firstAdmin)).toBe(true);
      expect(joined(firstAdmin) < joined(laterAdmin)).toBe(true);

      expect((await api.removeMember(owner, chat.id, owner)).status).toBe(204);
      const after = await detail(earlyMember, chat.id);
      expect(after.members.map((m) => [m.user.id, m.role])).toEqual([
        [earlyMember.id, 'member'],
        [firstAdmin.id, 'owner'],
        [laterAdmin.id, 'admin'],
      ]);
      expect(after.lastMessage).toMatchObject({ type: 'system', event: { kind: 'member_left', actorId: owner.id, userIds: [owner.id] } });
      // The new owner has the owner's rights.
      expect((await api.rename(firstAdmin, chat.id, 'New era')).status).toBe(200);
      expect((await api.removeMember(firstAdmin, chat.id, laterAdmin)).status).toBe(204);
    });

    it('when the owner leaves and there is no admin, the longest-standing member becomes owner', async () => {
      const [owner, first, second, third] = await api.newUsers(4);
      const chat = await api.newGroup(owner, [first], 'No admins');
      await api.addMembers(owner, chat.id, [second]);
      await api.addMembers(owner, chat.id, [third]);
      expect((await api.removeMember(owner, chat.id, owner)).status).toBe(204);
      const after = await detail(third, chat.id);
      expect(after.members.map((m) => [m.user.id, m.role])).toEqual([
        [first.id, 'owner'],
        [second.id, 'member'],
        [third.id, 'member'],
      ]);
      // And again: the next longest-standing one takes over.
      expect((await api.removeMember(first, chat.id, first)).status).toBe(204);
      expect((await detail(third, chat.id)).members.map((m) => [m.user.id, m.role])).toEqual([
        [second.id, 'owner'],
        [third.id, 'member'],
      ]);
      expect((await detail(third, chat.id)).memberCount).toBe(2);
    });
  });

  describe('system messages', () => {
    it('each change stores a system message with readable text and an event, in seq order', async () => {
      const [owner, m1, m2, m3] = await api.newUsers(4);
      const chat = await api.newGroup(owner, [m1], 'History');
      await api.addMembers(owner, chat.id, [m2, m3]);
      await api.rename(owner, chat.id, 'Renamed ✨');
      ok(await api.removeMember(owner, chat.id, m2), 204);
      ok(await api.removeMember(m3, chat.id, m3), 204);

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
      const renamed = await api.rename(owner, chat.id, 'Again');
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
});
