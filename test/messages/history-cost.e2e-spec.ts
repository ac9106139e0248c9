import { ok, TestUser } from '../support/api';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { StatementRecorder } from '../support/statement-recorder';

/**
 * Issue 15's "no N+1" for the history page, counted on the wire: a page of 15 messages costs the same
 * fixed statements whether its messages are plain or each replies to another and carries 10 reactions.
 */
describe('history page cost (statements counted on the wire)', () => {
  const recorder = new StatementRecorder();
  const svc = useService({}, { connectVia: (databaseUrl) => recorder.proxy(databaseUrl) });
  const { api } = svc;
  afterAll(() => recorder.close());

  const EMOJI = ['👍', '❤️', '😂', '🎉', '🔥', '👀', '🙏', '💯', '😮', '😢'];

  async function statementsOf(call: () => Promise<unknown>): Promise<string[]> {
    recorder.statements.length = 0;
    await call();
    // The push worker's polling is no part of the request.
    return recorder.statements.filter((s) => !/push_outbox|push_deliveries/.test(s));
  }

  it('15 messages, each a reply with 10 reactions, cost the 3 statements of 15 plain ones', async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 11; i++) users.push(await api.newUser());
    const [reader, ...voters] = users;
    const chatId = (await api.newGroup(reader, voters, 'Cost')).id;
    // seq 1 is the "created" system message.
    await seedMessages(svc.db, { chatId, senderId: voters[0].id, count: 40 });
    const page = () => api.history(reader, chatId, { limit: 15 });
    await page(); // moves the reader's delivered cursor: later reads do not
    const plain = await statementsOf(page);

    await svc.db.query('UPDATE messages SET reply_to_seq = seq - 1 WHERE chat_id = $1 AND seq > 2', [chatId]);
    await svc.db.query(
      `INSERT INTO message_reactions (message_id, user_id, emoji, emoji_added_at)
       SELECT m.id, v.id, v.emoji, m.created_at + v.ord * interval '1 millisecond'
         FROM messages m, unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS v(id, emoji, ord)
        WHERE m.chat_id = $1 AND m.seq > 1`,
      [chatId, [reader, ...voters.slice(1)].map((u) => u.id), EMOJI],
    );
    const rich = await statementsOf(page);
    expect(rich).toEqual(plain);
    // The session check, the access check (one statement: membership and chat), and the page with its
    // presentation (attachments, reactions, replies, status cursors) in one statement: six before v1.1
    // (attachments and cursors apart, the access check two), seven with reactions apart, four with the
    // presentation a statement of its own.
    expect(plain).toHaveLength(3);

    const items = ok(await page(), 200).items;
    expect(items).toHaveLength(15);
    for (const m of items) {
      expect(m.replyTo).toMatchObject({ seq: m.seq - 1, deleted: false });
      expect(m.reactions.map((r) => r.emoji)).toEqual(EMOJI);
      expect(m.reactions.map((r) => r.count)).toEqual(EMOJI.map(() => 1));
      expect(m.reactions.map((r) => r.me)).toEqual(EMOJI.map((_, i) => i === 0));
    }
  }, 60_000);
});
