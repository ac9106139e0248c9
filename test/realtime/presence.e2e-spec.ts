import { ok, TestUser } from '../support/api';
import { anyString } from '../support/matchers';
import { useService } from '../support/service';
import { GRACE_MS, realtimeHelpers, REALTIME_ENV, sendOver } from './support';

describe('realtime: presence and catching up after a reconnect', () => {
  const svc = useService(REALTIME_ENV);
  const { api } = svc;
  const { open } = realtimeHelpers(svc);

  describe('presence', () => {
    async function presenceOf(viewer: TestUser, userId: string) {
      const { online, lastSeenAt } = ok(await api.user(viewer, userId), 200);
      return { online, lastSeenAt };
    }

    it('online on connect; a quick reconnect does not flap; offline with lastSeenAt after the grace period', async () => {
      const [carol, dave, eve] = await api.newUsers(3);
      await api.newDirect(carol, dave);
      const d1 = await open(dave);
      const e1 = await open(eve); // shares no chat with carol: hears nothing

      expect(await presenceOf(dave, carol.id)).toEqual({ online: false, lastSeenAt: null });
      const c1 = await open(carol);
      expect(await d1.waitFor('presence', (p) => p.userId === carol.id)).toEqual({ userId: carol.id, online: true, lastSeenAt: null });
      expect(await presenceOf(dave, carol.id)).toEqual({ online: true, lastSeenAt: null });

      // A second device, and a quick reconnect of the first: nobody is told anything.
      const c2 = await open(await api.newSession(carol));
      c1.close();
      const c3 = await open(carol);
      c2.close();
      await d1.nothing('presence', (p) => p.userId === carol.id, GRACE_MS + 500);
      expect(await presenceOf(dave, carol.id)).toMatchObject({ online: true });

      const before = Date.now();
      c3.close();
      // Still online during the grace period.
      expect(await presenceOf(dave, carol.id)).toMatchObject({ online: true });
      const offline = await d1.waitFor('presence', (p) => p.userId === carol.id, 5000);
      expect(offline).toEqual({ userId: carol.id, online: false, lastSeenAt: anyString() });
      const lastSeen = Date.parse(offline.lastSeenAt ?? '');
      expect(lastSeen).toBeGreaterThanOrEqual(before - 1000);
      expect(lastSeen).toBeLessThanOrEqual(Date.now());
      expect(await presenceOf(dave, carol.id)).toEqual({ online: false, lastSeenAt: offline.lastSeenAt });
      const listed = await api.presence(dave, [carol.id]);
      expect(listed.body).toEqual({ items: [{ userId: carol.id, online: false, lastSeenAt: offline.lastSeenAt }] });

      // Back online: told again, with the stored lastSeenAt.
      await open(carol);
      expect(await d1.waitFor('presence', (p) => p.userId === carol.id)).toEqual({
        userId: carol.id,
        online: true,
        lastSeenAt: offline.lastSeenAt,
      });
      await e1.nothing('presence', () => true, 100);
    });
  });

  describe('reconnect', () => {
    it('a client that was offline catches up with GET /api/chats and the history after its seq', async () => {
      const [alice, bob] = await api.newUsers(2);
      const chatId = (await api.newDirect(alice, bob)).id;
      const a1 = await open(alice);
      const b1 = await open(bob);
      const first = await sendOver(a1, chatId, 'first');
      await b1.waitFor('message:new', (m) => m.id === first.id);
      const known = new Map<string, number>([[chatId, first.seq]]);

      b1.close();
      const missed = [];
      for (const text of ['while', 'you', 'were away']) missed.push(await sendOver(a1, chatId, text));
      const carol = await api.newUser();
      const newChat = (await api.newGroup(carol, [bob], 'new while away')).id;

      await open(bob); // back: what it missed comes over REST
      const chats = await api.chats(bob);
      expect(chats.status).toBe(200);
      const fetched = new Map<string, Array<string | null>>();
      for (const chat of chats.body.items) {
        const have = known.get(chat.id) ?? 0;
        if (chat.lastSeq <= have) continue;
        const page = await api.history(bob, chat.id, { after: have, limit: 100 });
        expect(page.status).toBe(200);
        expect(page.body.hasMore).toBe(false);
        fetched.set(
          chat.id,
          page.body.items.map((m) => m.text),
        );
      }
      expect(fetched.get(chatId)).toEqual(missed.map((m) => m.text));
      expect(fetched.get(newChat)).toHaveLength(1); // the system message "created"
      expect(fetched.size).toBe(2);
    });
  });
});
