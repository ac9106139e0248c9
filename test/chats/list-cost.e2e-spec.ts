import { randomUUID } from 'node:crypto';
import { ok, Reply } from '../support/api';
import type { ChatListDto, ChatSummaryDto } from '../support/contract';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { StatementRecorder } from '../support/statement-recorder';
import { MESSAGE_KEYS, SUMMARY_KEYS } from './support';

describe('chat list cost (statements counted on the wire)', () => {
  const recorder = new StatementRecorder();
  const svc = useService({}, { connectVia: (databaseUrl) => recorder.proxy(databaseUrl) });
  const { api } = svc;
  afterAll(() => recorder.close());

  /**
   * Seeding straight into the database (not through the API, for speed): `n` chats for `owner`,
   * alternately direct (each with its own seeded peer) and group, each with two text messages:
   * seq 1 from the peer, seq 2 from the owner on every third chat, else from the peer. Chat i has
   * the i-th most recent activity.
   */
  async function seedChats(ownerId: string, n: number) {
    const tag = randomUUID().slice(0, 8);
    const peers = await svc.db.query<{ id: string; username: string }>(
      `INSERT INTO users (username, username_key, display_name, password_hash)
       SELECT 'p' || $1 || '_' || g, 'p' || $1 || '_' || g, 'Peer ' || g, 'seeded-no-login'
         FROM generate_series(0, $2 - 1) g RETURNING id, username`,
      [tag, n],
    );
    const byName = new Map(peers.rows.map((r) => [r.username, r.id]));
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
    await svc.db.query(
      `INSERT INTO chats (id, type, title, direct_key, member_count, created_by, created_at)
       SELECT id, type, title, direct_key, 2, $5, now() - interval '1 day'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t(id, type, title, direct_key)`,
      [chats.map((c) => c.id), chats.map((c) => c.type), chats.map((c) => c.title), chats.map((c) => c.directKey), ownerId],
    );
    await svc.db.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT chat_id, user_id, role FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(chat_id, user_id, role)`,
      [
        chats.flatMap((c) => [c.id, c.id]),
        chats.flatMap((c) => [ownerId, c.peerId]),
        chats.flatMap((c) => [c.type === 'group' ? 'owner' : 'member', 'member']),
      ],
    );
    const now = Date.now();
    await seedMessages(
      svc.db,
      chats.flatMap((c) => {
        const at = new Date(now - c.i * 1000);
        return [
          { chatId: c.id, senderId: c.peerId, text: `hello ${c.i}`, at },
          { chatId: c.id, senderId: c.lastSender, text: `last ${c.i}`, at },
        ];
      }),
    );
    return chats;
  }

  async function statementsOf<T>(call: () => Promise<Reply<T>>): Promise<{ res: Reply<T>; statements: string[] }> {
    recorder.statements.length = 0;
    const res = await call();
    // The same statement with a longer IN (...) list is the same statement; the push worker's polling is no part of it.
    const statements = recorder.statements
      .filter((s) => !/push_outbox|push_deliveries/.test(s))
      .map((s) => s.replace(/\$\d+(, \$\d+)*/g, '$n'));
    return { res, statements };
  }

  function expectSummaryShapeOf(item: ChatSummaryDto) {
    expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
    expect(Object.keys(item.lastMessage!).sort()).toEqual(MESSAGE_KEYS);
  }

  it('a list request costs the same number of statements for 5, 100 and 1,000 chats', async () => {
    const counts: Record<string, number> = {};
    let reference: string[] = [];
    for (const n of [5, 100, 1000]) {
      const user = await api.newUser();
      const seeded = await seedChats(user.id, n);
      const { res, statements } = await statementsOf(() => api.chats(user, { limit: 100 }));
      expect(res.status).toBe(200);
      counts[n] = statements.length;
      if (n === 5) reference = statements;
      // Same statements, same number: nothing runs per chat.
      expect({ n, statements: [...statements].sort() }).toEqual({ n, statements: [...reference].sort() });

      // The first page is right: newest activity first, with peer, last message and unread count.
      const shown = Math.min(n, 100);
      expect(res.body.items.map((c) => c.id)).toEqual(seeded.slice(0, shown).map((c) => c.id));
      expect(res.body.nextCursor === null).toBe(n <= 100);
      for (const [k, item] of res.body.items.entries()) {
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
          const page: ChatListDto = ok(await api.chats(user, cursor ? { limit: 100, cursor } : { limit: 100 }), 200);
          ids.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor && ids.length <= 1000);
        expect(ids).toEqual(seeded.map((c) => c.id));
        // A later page costs the same as the first.
        const { res: later, statements: laterStatements } = await statementsOf(() =>
          api.chats(user, { limit: 100, cursor: res.body.nextCursor }),
        );
        expect(later.status).toBe(200);
        expect(laterStatements).toHaveLength(counts[n]);
      }
    }
    expect(counts[100]).toBe(counts[5]);
    expect(counts[1000]).toBe(counts[5]);
    // Session check, the page query (with each last message and its presentation: attachments,
    // reactions, reply, status cursors) and the peers: six before v1.1 (attachments and cursors apart),
    // seven with reactions apart, five with the last messages and their presentation statements of their own.
    expect(counts[5]).toBe(3);
  }, 120_000);
});
