import { randomUUID } from 'node:crypto';
import { expectError, ok, TestUser } from '../support/api';
import { asyncApi } from '../support/asyncapi';
import type { MessageDto } from '../support/contract';
import { containing } from '../support/matchers';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { StatementRecorder } from '../support/statement-recorder';
import { messageHelpers } from './support';
import { dbCounts, reactionRoutes } from './reactions.support';

const THUMBS = '👍';
const HEART = '❤️'; // U+2764 U+FE0F: the RGI spelling

describe('messages: reactions', () => {
  // Statements are counted on the wire (the cost tests at the end).
  const recorder = new StatementRecorder();
  const svc = useService({}, { connectVia: (databaseUrl) => recorder.proxy(databaseUrl) });
  afterAll(() => recorder.close());
  const { api } = svc;
  const { sendOk, historyOk } = messageHelpers(svc);
  const { path, put, remove, list, react, listed } = reactionRoutes(api);
  const sockets = useSockets();
  let a: TestUser, b: TestUser, c: TestUser, outsider: TestUser;
  let groupId: string;
  beforeAll(async () => {
    [a, b, c, outsider] = await api.newUsers(4);
    groupId = (await api.newGroup(a, [b, c])).id;
  });

  /** The message at `seq` as `u` reads it in the history. */
  const seen = async (u: TestUser, seq: number, chatId = groupId): Promise<MessageDto> =>
    (await historyOk(u, chatId, { after: seq - 1, limit: 1 })).items[0];

  describe('REST', () => {
    it('PUT reacts (204), again changes nothing (204); every reader sees the count and its own `me`', async () => {
      const m = await sendOk(a, groupId, 'react to me');
      expect(m.reactions).toEqual([]);
      const first = await put(b, groupId, m.seq, THUMBS);
      expect(first.status).toBe(204);
      expect(first.text).toBe('');
      expect((await put(b, groupId, m.seq, THUMBS)).status).toBe(204);

      expect((await seen(b, m.seq)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: true }]);
      expect((await seen(a, m.seq)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: false }]);
      expect(await dbCounts(svc.db, m.id)).toEqual([{ emoji: THUMBS, count: 1 }]);

      const users = ok(await list(c, groupId, m.seq), 200);
      expect(users).toEqual({
        items: [{ emoji: THUMBS, count: 1, users: [containing({ id: b.id, username: b.username, online: false })] }],
      });
    });

    it('DELETE takes the reaction back (204), and answers 204 when it is not set; an emoji nobody has is gone', async () => {
      const m = await sendOk(a, groupId, 'take it back');
      await react(a, groupId, m.seq, THUMBS);
      await react(b, groupId, m.seq, THUMBS);
      expect((await remove(a, groupId, m.seq, THUMBS)).status).toBe(204);
      expect((await seen(a, m.seq)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: false }]);
      expect((await remove(a, groupId, m.seq, THUMBS)).status).toBe(204);
      expect((await remove(c, groupId, m.seq, HEART)).status).toBe(204);
      expect((await remove(b, groupId, m.seq, THUMBS)).status).toBe(204);
      expect((await seen(b, m.seq)).reactions).toEqual([]);
      expect(ok(await list(b, groupId, m.seq), 200)).toEqual({ items: [] });
      expect(await dbCounts(svc.db, m.id)).toEqual([]);
    });

    it('orders emoji by when the message got them (kept while anyone is left), users by when they reacted', async () => {
      const m = await sendOk(a, groupId, 'order');
      await react(c, groupId, m.seq, THUMBS);
      await react(a, groupId, m.seq, HEART);
      await react(b, groupId, m.seq, THUMBS);
      await react(a, groupId, m.seq, THUMBS);
      await react(b, groupId, m.seq, '🎉');
      expect(await listed(a, groupId, m.seq)).toEqual([
        { emoji: THUMBS, count: 3, userIds: [c.id, b.id, a.id] },
        { emoji: HEART, count: 1, userIds: [a.id] },
        { emoji: '🎉', count: 1, userIds: [b.id] },
      ]);
      // Its first user leaving does not move 👍; the last one leaving removes ❤️, and putting it again puts it last.
      ok(await remove(c, groupId, m.seq, THUMBS), 204);
      ok(await remove(a, groupId, m.seq, HEART), 204);
      await react(c, groupId, m.seq, HEART);
      await react(c, groupId, m.seq, THUMBS);
      expect((await seen(c, m.seq)).reactions).toEqual([
        { emoji: THUMBS, count: 3, me: true },
        { emoji: '🎉', count: 1, me: false },
        { emoji: HEART, count: 1, me: true },
      ]);
      expect((await listed(b, groupId, m.seq))[0].userIds).toEqual([b.id, a.id, c.id]);
    });

    it('takes exactly one RGI emoji: ZWJ sequences, flags, keycaps, skin tones, tag flags', async () => {
      const m = await sendOk(a, groupId, 'emoji zoo');
      const good = ['👨‍👩‍👧‍👦', '🇫🇷', '1️⃣', '#️⃣', '👍🏽', '🏳️‍🌈', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '👩🏻‍❤️‍💋‍👨🏼', '©️', HEART];
      for (const emoji of good) expect({ emoji, status: (await put(b, groupId, m.seq, emoji)).status }).toEqual({ emoji, status: 204 });
      expect((await seen(b, m.seq)).reactions.map((r) => r.emoji)).toEqual(good);
      // The encoded bytes are UTF-8 and decode to exactly the emoji.
      expect(path(groupId, m.seq, THUMBS)).toMatch(/\/reactions\/%F0%9F%91%8D$/);
    });

    it('refuses anything but one RGI emoji with 400 VALIDATION_FAILED', async () => {
      const m = await sendOk(a, groupId, 'not emoji');
      const bad = [
        'a',
        '😀😀',
        '❤' /* no VS16: not RGI */,
        '1⃣' /* keycap without VS16 */,
        '🇦' /* half a flag */,
        '🇿🇿',
        ' 😀',
        '😀 ',
        'thumbsup',
        '\u200d',
      ];
      for (const emoji of bad) {
        const res = await put(b, groupId, m.seq, emoji);
        expect({ emoji, status: res.status }).toEqual({ emoji, status: 400 });
        expect(expectError(res, 400, 'VALIDATION_FAILED').details).toEqual([containing({ field: 'emoji' })]);
        expectError(await remove(b, groupId, m.seq, emoji), 400, 'VALIDATION_FAILED');
      }
      // Not decodable as UTF-8, or not percent-encoding at all.
      for (const raw of ['%F0%9F', '%E2%82', '%ZZ']) {
        expectError(await api.put(`/api/chats/${groupId}/messages/${m.seq}/reactions/${raw}`, b), 400, 'VALIDATION_FAILED');
      }
      expect(await dbCounts(svc.db, m.id)).toEqual([]);
    });

    it('is for members: a non-member gets 404 CHAT_NOT_FOUND, an unknown seq 404 MESSAGE_NOT_FOUND, a bad id or seq 400', async () => {
      const m = await sendOk(a, groupId, 'members only');
      expectError(await put(outsider, groupId, m.seq, THUMBS), 404, 'CHAT_NOT_FOUND');
      expectError(await remove(outsider, groupId, m.seq, THUMBS), 404, 'CHAT_NOT_FOUND');
      expectError(await list(outsider, groupId, m.seq), 404, 'CHAT_NOT_FOUND');
      expectError(await put(a, randomUUID(), 1, THUMBS), 404, 'CHAT_NOT_FOUND');
      expectError(await put(a, groupId, 99999, THUMBS), 404, 'MESSAGE_NOT_FOUND');
      expectError(await list(a, groupId, 99999), 404, 'MESSAGE_NOT_FOUND');
      expectError(await put(a, 'not-a-uuid', m.seq, THUMBS), 400, 'VALIDATION_FAILED');
      expectError(await put(a, groupId, 'x', THUMBS), 400, 'VALIDATION_FAILED');
      expectError(await list(a, groupId, 0), 400, 'VALIDATION_FAILED');
      expectError(await api.put(path(groupId, m.seq, THUMBS), null), 401, 'UNAUTHORIZED');
      expect(await dbCounts(svc.db, m.id)).toEqual([]);
    });

    it('a message the caller cannot see is 404 MESSAGE_NOT_FOUND: deleted for me, or before my dialog cut-off', async () => {
      const [x, y] = await api.newUsers(2);
      const chatId = (await api.newDirect(x, y)).id;
      const hidden = await sendOk(y, chatId, 'hidden from x');
      ok(await api.deleteMessage(x, chatId, hidden.seq, 'me'), 204);
      expectError(await put(x, chatId, hidden.seq, THUMBS), 404, 'MESSAGE_NOT_FOUND');
      expectError(await list(x, chatId, hidden.seq), 404, 'MESSAGE_NOT_FOUND');
      await react(y, chatId, hidden.seq, THUMBS);

      const old = await sendOk(y, chatId, 'before the cut-off');
      ok(await api.deleteChat(x, chatId), 204);
      expectError(await put(x, chatId, old.seq, HEART), 404, 'MESSAGE_NOT_FOUND');
      expectError(await remove(x, chatId, old.seq, HEART), 404, 'MESSAGE_NOT_FOUND');
      const after = await sendOk(y, chatId, 'after it');
      await react(x, chatId, after.seq, HEART);
      expect((await seen(x, after.seq, chatId)).reactions).toEqual([{ emoji: HEART, count: 1, me: true }]);
    });

    it('system messages and tombstones take none (422 MESSAGE_NOT_REACTABLE); deleting for everyone hides them', async () => {
      const created = (await historyOk(a, groupId, { after: 0, limit: 1 })).items[0];
      expect(created.type).toBe('system');
      expect(created.reactions).toEqual([]);
      expectError(await put(b, groupId, created.seq, THUMBS), 422, 'MESSAGE_NOT_REACTABLE');
      expectError(await remove(b, groupId, created.seq, THUMBS), 422, 'MESSAGE_NOT_REACTABLE');
      expect(ok(await list(b, groupId, created.seq), 200)).toEqual({ items: [] });

      const m = await sendOk(a, groupId, 'soon a tombstone');
      await react(b, groupId, m.seq, THUMBS);
      ok(await api.deleteMessage(a, groupId, m.seq, 'everyone'), 204);
      const tombstone = await seen(b, m.seq);
      expect(tombstone).toEqual(containing({ deleted: true, text: null, reactions: [] }));
      expect(ok(await list(b, groupId, m.seq), 200)).toEqual({ items: [] });
      expectError(await put(c, groupId, m.seq, HEART), 422, 'MESSAGE_NOT_REACTABLE');
      expectError(await remove(b, groupId, m.seq, THUMBS), 422, 'MESSAGE_NOT_REACTABLE');
    });

    it('at most 20 different emoji on a message (422 REACTION_LIMIT); more users on one of them are fine', async () => {
      const m = await sendOk(a, groupId, 'popular');
      const twenty = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂'];
      expect(twenty).toHaveLength(20);
      for (const emoji of twenty) await react(a, groupId, m.seq, emoji);
      expectError(await put(b, groupId, m.seq, '🙃'), 422, 'REACTION_LIMIT');
      await react(b, groupId, m.seq, twenty[5]);
      // Taking every reaction of one emoji back makes room again.
      ok(await remove(a, groupId, m.seq, twenty[0]), 204);
      await react(c, groupId, m.seq, '🙃');
      expectError(await put(c, groupId, m.seq, '🫠'), 422, 'REACTION_LIMIT');
      const counts = await dbCounts(svc.db, m.id);
      expect(counts).toHaveLength(20);
      expect(counts.at(-1)).toEqual({ emoji: '🙃', count: 1 });
    });

    it('the chat list’s last message carries its reactions as the caller sees them', async () => {
      const [x, y] = await api.newUsers(2);
      const chatId = (await api.newDirect(x, y)).id;
      const m = await sendOk(x, chatId, 'last one');
      await react(y, chatId, m.seq, THUMBS);
      const last = (u: TestUser) => api.chats(u).then((res) => ok(res, 200).items.find((s) => s.id === chatId)!.lastMessage!);
      expect((await last(x)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: false }]);
      expect((await last(y)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: true }]);
    });

    it('reactions of a member who left stay; the former member can no longer react', async () => {
      const [owner, leaver] = await api.newUsers(2);
      const chatId = (await api.newGroup(owner, [leaver])).id;
      const m = await sendOk(owner, chatId, 'before leaving');
      await react(leaver, chatId, m.seq, THUMBS);
      ok(await api.removeMember(leaver, chatId, leaver), 204);
      expect(await listed(owner, chatId, m.seq)).toEqual([{ emoji: THUMBS, count: 1, userIds: [leaver.id] }]);
      expectError(await remove(leaver, chatId, m.seq, THUMBS), 404, 'CHAT_NOT_FOUND');
    });
  });

  describe('socket.io', () => {
    const open = (who: { accessToken: string }) => sockets.open(svc, who);

    it('reaction:set acks null; `reaction` reaches every socket of every member, the reacting one included', async () => {
      const m = await sendOk(a, groupId, 'live');
      const [a1, a2, b1, c1, out] = await Promise.all([open(a), open(await api.newSession(a)), open(b), open(c), open(outsider)]);
      const payload = { chatId: groupId, seq: m.seq, emoji: THUMBS, on: true };
      asyncApi().clientPayload('reaction:set', payload);
      const ack = await b1.call('reaction:set', payload);
      asyncApi().ack('reaction:set', ack);
      expect(ack).toEqual({ ok: true, data: null });
      const notice = { chatId: groupId, seq: m.seq, userId: b.id, emoji: THUMBS, on: true, reactions: [{ emoji: THUMBS, count: 1 }] };
      for (const s of [a1, a2, b1, c1]) {
        const got = await s.waitFor('reaction', (r) => r.seq === m.seq);
        asyncApi().serverEvent('reaction', got);
        expect(got).toEqual(notice);
      }
      expect((await seen(b, m.seq)).reactions).toEqual([{ emoji: THUMBS, count: 1, me: true }]);

      // A REST change is announced the same way; a change that changes nothing is not announced.
      ok(await api.put(path(groupId, m.seq, HEART), a), 204);
      const heart = {
        userId: a.id,
        emoji: HEART,
        on: true,
        reactions: [
          { emoji: THUMBS, count: 1 },
          { emoji: HEART, count: 1 },
        ],
      };
      for (const s of [a1, a2, b1, c1]) expect(await s.waitFor('reaction', (r) => r.seq === m.seq)).toEqual(containing(heart));
      expect(await b1.call('reaction:set', payload)).toEqual({ ok: true, data: null });
      ok(await remove(c, groupId, m.seq, THUMBS), 204);
      expect(await c1.call('reaction:set', { ...payload, on: false })).toEqual({ ok: true, data: null });
      expect(await b1.call('reaction:set', { ...payload, on: false })).toEqual({ ok: true, data: null });
      for (const s of [a1, b1, c1]) {
        expect(await s.waitFor('reaction', (r) => r.seq === m.seq)).toEqual(
          containing({ userId: b.id, on: false, reactions: [{ emoji: HEART, count: 1 }] }),
        );
        await s.nothing('reaction', (r) => r.seq === m.seq);
      }
      await out.nothing('reaction');
    });

    it('reaction:set answers the REST errors in its ack', async () => {
      const m = await sendOk(a, groupId, 'errors');
      const [b1, out] = await Promise.all([open(b), open(outsider)]);
      const refused = async (socket: typeof b1, payload: unknown) => {
        const ack = await socket.call('reaction:set', payload);
        asyncApi().ack('reaction:set', ack);
        expect(ack.ok).toBe(false);
        return ack.error!;
      };
      expect(await refused(b1, { chatId: groupId, seq: m.seq, emoji: '❤', on: true })).toEqual(
        containing({ statusCode: 400, code: 'VALIDATION_FAILED', details: [containing({ field: 'emoji' })] }),
      );
      expect((await refused(b1, { chatId: groupId, seq: m.seq, emoji: THUMBS })).code).toBe('VALIDATION_FAILED');
      expect((await refused(b1, { chatId: groupId, seq: 0, emoji: THUMBS, on: true })).code).toBe('VALIDATION_FAILED');
      expect((await refused(b1, { chatId: groupId, seq: m.seq, emoji: THUMBS, on: 'yes' })).code).toBe('VALIDATION_FAILED');
      expect((await refused(b1, { chatId: groupId, seq: 1, emoji: THUMBS, on: true })).code).toBe('MESSAGE_NOT_REACTABLE');
      expect((await refused(b1, { chatId: groupId, seq: 99999, emoji: THUMBS, on: true })).code).toBe('MESSAGE_NOT_FOUND');
      expect((await refused(out, { chatId: groupId, seq: m.seq, emoji: THUMBS, on: true })).code).toBe('CHAT_NOT_FOUND');
      await b1.nothing('reaction', (r) => r.seq === m.seq);
    });

    it('message:new has no reactions; message:updated carries them with `me` as each recipient sees it', async () => {
      const [a1, a2, b1, c1] = await Promise.all([open(a), open(await api.newSession(a)), open(b), open(c)]);
      const m = await sendOk(a, groupId, 'to be edited');
      for (const s of [a1, b1, c1]) expect((await s.waitFor('message:new', (x) => x.id === m.id)).reactions).toEqual([]);
      await react(a, groupId, m.seq, THUMBS);
      await react(b, groupId, m.seq, HEART);
      await react(b, groupId, m.seq, THUMBS);

      const edited = await a1.call('message:edit', { chatId: groupId, seq: m.seq, text: 'edited' });
      expect(edited).toEqual({
        ok: true,
        data: containing({
          status: 'sent',
          reactions: [
            { emoji: THUMBS, count: 2, me: true },
            { emoji: HEART, count: 1, me: false },
          ],
        }),
      });
      const seenBy = async (s: typeof a1) => {
        const got = await s.waitFor('message:updated', (x) => x.id === m.id);
        asyncApi().serverEvent('message:updated', got);
        return got;
      };
      expect(await seenBy(a2)).toEqual(edited.data);
      expect(await seenBy(b1)).toEqual({
        ...edited.data,
        status: null,
        reactions: [
          { emoji: THUMBS, count: 2, me: true },
          { emoji: HEART, count: 1, me: true },
        ],
      });
      expect(await seenBy(c1)).toEqual({
        ...edited.data,
        status: null,
        reactions: [
          { emoji: THUMBS, count: 2, me: false },
          { emoji: HEART, count: 1, me: false },
        ],
      });
      await a1.nothing('message:updated', (x) => x.id === m.id);

      // Deleted for everyone: the tombstone has none, for everyone.
      ok(await api.deleteMessage(a, groupId, m.seq, 'everyone'), 204);
      for (const s of [a1, a2, b1, c1]) {
        expect(await s.waitFor('message:updated', (x) => x.id === m.id && x.deleted)).toEqual(containing({ reactions: [] }));
      }
    });
  });

  describe('cost (statements counted on the wire)', () => {
    async function statementsOf(call: () => Promise<unknown>): Promise<string[]> {
      recorder.statements.length = 0;
      await call();
      return [...recorder.statements];
    }

    it('a history page costs the same statements whether 1 or all 50 of its messages carry reactions', async () => {
      const [x, y] = await api.newUsers(2);
      const chatId = (await api.newDirect(x, y)).id;
      await seedMessages(svc.db, { chatId, senderId: x.id, count: 50 });
      await react(y, chatId, 1, THUMBS);
      const page = () => api.history(y, chatId, { limit: 50 });
      await page(); // moves y's delivered cursor: later reads do not
      const one = await statementsOf(page);
      for (let seq = 2; seq <= 50; seq++) {
        await react(y, chatId, seq, THUMBS);
        await react(x, chatId, seq, seq % 2 ? HEART : '🎉');
      }
      const all = await statementsOf(page);
      // The same statements (the lookups run side by side on the pool: their order on the wire varies).
      expect([...all].sort()).toEqual([...one].sort());
      const items = ok(await page(), 200).items;
      expect(items.filter((m) => m.reactions.length)).toHaveLength(50);
      expect(items[9].reactions).toEqual([
        { emoji: THUMBS, count: 1, me: true },
        { emoji: '🎉', count: 1, me: false },
      ]);
    });

    it('a reaction costs a fixed number of statements, however many the message has', async () => {
      const m = await sendOk(a, groupId, 'cost');
      const first = await statementsOf(() => put(b, groupId, m.seq, THUMBS));
      for (const emoji of [...'😀😁😂🤣😃😄']) await react(c, groupId, m.seq, emoji);
      const later = await statementsOf(() => put(a, groupId, m.seq, THUMBS));
      expect(later).toEqual(first);
      // The session check, the access check, the message's advisory lock, the transaction (begin,
      // the locked read, the change, the summary, commit), the unlock.
      expect(first).toHaveLength(9);
      expect(await statementsOf(() => put(a, groupId, m.seq, THUMBS))).toHaveLength(8); // no change: no summary
    });
  });
});
