import { expectError, ok, TestUser } from '../support/api';
import type { ChatDetailDto, ChatSummaryDto } from '../support/contract';
import { useService } from '../support/service';
import { chatReads, expectSummaryShape } from './support';

describe('chats: the chat list (pins, order, paging)', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, list, listIds } = chatReads(svc);

  describe('pins and list order', () => {
    it('pinned first (most recently pinned first), then by last activity; a system message moves a chat up', async () => {
      const [me, other] = await api.newUsers(2);
      const chats: ChatDetailDto[] = [];
      for (let i = 1; i <= 6; i++) chats.push(await api.newGroup(me, [other], `G${i}`));
      const [g1, g2, g3, g4, g5, g6] = chats;
      expect(await listIds(me)).toEqual([g6, g5, g4, g3, g2, g1].map((c) => c.id));

      expect((await api.rename(me, g2.id, 'G2 renamed')).status).toBe(200); // activity: G2 moves up
      expect((await api.pin(me, g4.id)).status).toBe(204);
      expect((await api.pin(me, g1.id)).status).toBe(204);

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
      expect((await api.unpin(me, g4.id)).status).toBe(204);
      expect((await api.unpin(me, g4.id)).status).toBe(204);
      expect(await listIds(me)).toEqual([g1, g2, g6, g5, g4, g3].map((c) => c.id));
      // Re-pinning moves it to the top of the pinned ones.
      ok(await api.pin(me, g4.id), 204);
      expect(await listIds(me)).toEqual([g4, g1, g2, g6, g5, g3].map((c) => c.id));
    });

    it('at most 5 pinned chats: the 6th is 422 PIN_LIMIT; pinning a pinned chat again is fine', async () => {
      const [me, other] = await api.newUsers(2);
      const chats: ChatDetailDto[] = [];
      for (let i = 0; i < 7; i++) chats.push(await api.newGroup(me, [other], `P${i}`));
      for (const c of chats.slice(0, 5)) expect((await api.pin(me, c.id)).status).toBe(204);
      const err = expectError(await api.pin(me, chats[5].id), 422, 'PIN_LIMIT');
      expect(err.message).toContain('5');
      expect((await api.pin(me, chats[0].id)).status).toBe(204);
      expect((await detail(me, chats[5].id)).pinned).toBe(false);
      expect((await list(me)).items.filter((c) => c.pinned)).toHaveLength(5);

      // The other member can still pin any of them.
      expect((await api.pin(other, chats[5].id)).status).toBe(204);
      expect((await detail(me, chats[5].id)).pinned).toBe(false);

      ok(await api.unpin(me, chats[2].id), 204);
      expect((await api.pin(me, chats[5].id)).status).toBe(204);
      const pinned = await svc.db.query<{ chat_id: string }>(
        `SELECT chat_id FROM chat_members WHERE user_id = $1 AND pinned_at IS NOT NULL`,
        [me.id],
      );
      expect(pinned.rows.map((r) => r.chat_id).sort()).toEqual([0, 1, 3, 4, 5].map((i) => chats[i].id).sort());
    });

    it('concurrent pins respect the limit', async () => {
      const [me, other] = await api.newUsers(2);
      const chats: ChatDetailDto[] = [];
      for (let i = 0; i < 8; i++) chats.push(await api.newGroup(me, [other], `C${i}`));
      const answers = await Promise.all(chats.map((c) => api.pin(me, c.id)));
      expect(answers.map((r) => r.status).sort()).toEqual([204, 204, 204, 204, 204, 422, 422, 422]);
      const pinned = await svc.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chat_members WHERE user_id = $1 AND pinned_at IS NOT NULL`,
        [me.id],
      );
      expect(pinned.rows[0].n).toBe(5);
    });
  });

  describe('chat list paging', () => {
    let walker: TestUser;
    let expected: string[];

    beforeAll(async () => {
      const [me, other, third] = await api.newUsers(3);
      walker = me;
      const made: ChatDetailDto[] = [];
      for (let i = 0; i < 10; i++) made.push(await api.newGroup(me, [other], `W${i}`));
      made.push(await api.newDirect(me, other));
      made.push(await api.newDirect(third, me));
      made.push(await api.newGroup(other, [me, third], 'Theirs'));
      // Activity and pins, so that the list mixes both orders.
      await api.rename(me, made[1].id, 'W1 moved up');
      await api.rename(me, made[6].id, 'W6 moved up');
      for (const i of [3, 10, 8]) ok(await api.pin(me, made[i].id), 204);
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
      const walked: ChatSummaryDto[] = [];
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
      const [me, other] = await api.newUsers(2);
      const chats: ChatDetailDto[] = [];
      for (let i = 0; i < 4; i++) chats.push(await api.newGroup(me, [other], `T${i}`));
      for (const c of chats) ok(await api.pin(me, c.id), 204);
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
      const decoded = JSON.parse(Buffer.from(good, 'base64url').toString()) as { p: string | null; a: string; id: string };
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
        expectError(await api.chats(walker, { cursor, limit: 2 }), 400, 'VALIDATION_FAILED');
      }
      for (const limit of [0, 101, -1, 'abc', 1.5]) {
        expectError(await api.chats(walker, { limit }), 400, 'VALIDATION_FAILED');
      }
      expect((await list(walker, { limit: 100 })).items).toHaveLength(13);
      expectError(await api.chats(null), 401, 'UNAUTHORIZED');
    });
  });
});
