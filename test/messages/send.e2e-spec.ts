import { randomUUID } from 'node:crypto';
import { expectError, ok, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { aUuid, anIsoTime } from '../support/matchers';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers, newPair, range, seqsOf } from './support';

/** Sending: the stored message, seq (gap-free, commit order), clientId retries, the text rules. */
describe('messages: sending', () => {
  const svc = useService();
  const { api } = svc;
  const { detail } = chatReads(svc);
  const { sendOk, historyOk, walk, dbLastSeq, dbCount } = messageHelpers(svc);

  let a: TestUser, b: TestUser, outsider: TestUser, chatId: string; // made by newPair
  beforeAll(async () => {
    ({ a, b, outsider, chatId } = await newPair(api));
  });

  it('stores a text message with a UUID id, the next seq and the contract shape', async () => {
    const clientId = randomUUID();
    const res = await api.send(a, chatId, { clientId, text: 'hello' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: aUuid(),
      chatId,
      seq: 1,
      senderId: a.id,
      type: 'text',
      text: 'hello',
      attachments: [],
      forwardedFrom: null,
      replyTo: null,
      mentions: [],
      event: null,
      editedAt: null,
      deleted: false,
      createdAt: anIsoTime(),
      clientId,
      status: 'sent',
      reactions: [],
    });
    const second = await sendOk(b, chatId, 'hi');
    expect(second.seq).toBe(2);
    expect(await dbLastSeq(chatId)).toBe(2);
  });

  it('moves the last message, lastSeq and last activity of the chat with each send, for both members', async () => {
    const before = await detail(b, chatId);
    await new Promise((r) => setTimeout(r, 20));
    const sent = await sendOk(a, chatId, 'latest');
    for (const u of [a, b]) {
      const item = ok(await api.chats(u)).items.find((c) => c.id === chatId)!;
      expect(item.lastMessage?.id).toBe(sent.id);
      expect(item.lastMessage?.text).toBe('latest');
      expect(item.lastSeq).toBe(sent.seq);
      expect(Date.parse(item.lastActivityAt)).toBeGreaterThan(Date.parse(before.lastActivityAt));
    }
    // The peer sees the message as someone else's: no status.
    expect((await detail(b, chatId)).lastMessage?.status).toBeNull();
  });

  it('keeps seqs 1..N gap-free and in commit order with 20 concurrent senders in one group', async () => {
    const owner = await api.newUser();
    const senders = await api.newUsers(20);
    const g = (await api.newGroup(owner, senders, 'busy')).id;
    const perSender = 5;
    const total = 1 + senders.length * perSender; // the "created" system message is seq 1

    // A reader that keeps asking for what is after the highest seq it has: with seqs in commit
    // order it never sees a later seq before an earlier one, so it never skips any.
    const seen: number[] = [];
    let sendingDone = false;
    const poller = (async () => {
      for (let i = 0; i < 2000 && seen.length < total; i++) {
        const page = await historyOk(owner, g, { after: seen.at(-1) ?? 0, limit: 100 });
        seen.push(...seqsOf(page.items));
        if (!page.items.length) {
          if (sendingDone) break;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();

    const results = await Promise.all(
      senders.map(async (u, i) => {
        const mine: MessageDto[] = [];
        for (let k = 0; k < perSender; k++) mine.push(await sendOk(u, g, `u${i}-${k}`));
        return mine;
      }),
    );
    sendingDone = true;
    await poller;

    const all = results.flat();
    const seqs = all.map((m) => m.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(range(2, total));
    // Each sender's messages, sent one after the other, got increasing seqs.
    for (const mine of results) expect(seqsOf(mine)).toEqual([...seqsOf(mine)].sort((x, y) => x - y));
    // Each id is a distinct UUID.
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);

    const rows = (await svc.db.query<{ seq: number }>('SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq', [g])).rows.map(
      (r) => r.seq,
    );
    expect(rows).toEqual(range(1, total));
    expect(await dbLastSeq(g)).toBe(total);
    expect(seen).toEqual(range(1, total));
    // createdAt follows seq: a client sorting by time sees the same order.
    const times = (
      await svc.db.query<{ created_at: Date }>('SELECT created_at FROM messages WHERE chat_id = $1 ORDER BY seq', [g])
    ).rows.map((r) => r.created_at.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const chatRow = (await svc.db.query<{ last_activity_at: Date }>('SELECT last_activity_at FROM chats WHERE id = $1', [g])).rows[0];
    expect(chatRow.last_activity_at.getTime()).toBe(times.at(-1));

    // History ascending pages agree with the database.
    const { pages } = await walk(owner, g, 'after', 100);
    expect(pages.flat().map((m) => m.seq)).toEqual(range(1, total));
    expect(
      pages
        .flat()
        .filter((m) => m.type === 'text')
        .map((m) => m.text),
    ).toEqual([...all].sort((x, y) => x.seq - y.seq).map((m) => m.text));
  });

  it('answers a sequential retry with the same clientId with 200 and the first message, storing nothing', async () => {
    const clientId = randomUUID();
    const first = await api.send(a, chatId, { clientId, text: 'once' });
    expect(first.status).toBe(201);
    const seqAfterFirst = await dbLastSeq(chatId);
    const again = await api.send(a, chatId, { clientId, text: 'once' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Even with another body, the retry answers with what was stored first.
    const changed = await api.send(a, chatId, { clientId, text: 'twice?' });
    expect(changed.status).toBe(200);
    expect(changed.body.id).toBe(first.body.id);
    expect(changed.body.text).toBe('once');
    expect(await dbLastSeq(chatId)).toBe(seqAfterFirst);
    const rows = await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE client_id = $1', [clientId]);
    expect(rows.rows[0].n).toBe(1);
    // The next message takes the very next seq: the retries left no gap.
    expect((await sendOk(a, chatId, 'next')).seq).toBe(seqAfterFirst + 1);
  });

  it('answers 10 racing identical requests with exactly one 201 and nine 200 of the same message, one row', async () => {
    const clientId = randomUUID();
    const seqBefore = await dbLastSeq(chatId);
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.send(a, chatId, { clientId, text: 'race' })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(new Set(responses.map((r) => r.body.seq))).toEqual(new Set([seqBefore + 1]));
    const rows = await svc.db.query('SELECT id, seq FROM messages WHERE chat_id = $1 AND client_id = $2', [chatId, clientId]);
    expect(rows.rows).toEqual([{ id: [...ids][0], seq: seqBefore + 1 }]);
    expect(await dbLastSeq(chatId)).toBe(seqBefore + 1);
    expect((await sendOk(a, chatId, 'after the race')).seq).toBe(seqBefore + 2);
  });

  it('scopes clientId to the sender and the chat', async () => {
    const clientId = randomUUID();
    const other = (await api.newDirect(a, outsider)).id;
    const mine = await api.send(a, chatId, { clientId, text: 'x' });
    const peer = await api.send(b, chatId, { clientId, text: 'x' });
    const elsewhere = await api.send(a, other, { clientId, text: 'x' });
    expect([mine.status, peer.status, elsewhere.status]).toEqual([201, 201, 201]);
    expect(new Set([mine.body.id, peer.body.id, elsewhere.body.id]).size).toBe(3);
  });

  it('accepts 4096 code points of astral characters and refuses 4097 with MESSAGE_TOO_LONG', async () => {
    const max = '😀'.repeat(4096);
    const res = await api.send(a, chatId, { text: max });
    expect(res.status).toBe(201);
    expect(res.body.text).toBe(max);
    const stored = await svc.db.query<{ text: string }>('SELECT text FROM messages WHERE id = $1', [res.body.id]);
    expect(stored.rows[0].text).toBe(max);
    // Mixed: 4095 ASCII + one astral = 4096 code points (4097 UTF-16 units).
    expect((await api.send(a, chatId, { text: `${'a'.repeat(4095)}😀` })).status).toBe(201);

    const seq = await dbLastSeq(chatId);
    expectError(await api.send(a, chatId, { text: '😀'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
    expectError(await api.send(a, chatId, { text: 'a'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
    // Far over the limit is the same error, not a generic validation failure.
    expectError(await api.send(a, chatId, { text: 'a'.repeat(70_000) }), 400, 'MESSAGE_TOO_LONG');
    expect(await dbLastSeq(chatId)).toBe(seq);
  });

  it('refuses a message without a non-space character and without attachments', async () => {
    const seq = await dbLastSeq(chatId);
    for (const body of [{ text: '     ' }, { text: ' \n\t ' }, { text: '' }, {}, { text: '   ', attachmentIds: [] }]) {
      const err = expectError(await api.send(a, chatId, body), 400, 'VALIDATION_FAILED');
      expect(Array.isArray(err.details)).toBe(true);
    }
    expect(await dbLastSeq(chatId)).toBe(seq);
  });

  it('validates the body and the chat', async () => {
    expectError(await api.post(`/api/chats/${chatId}/messages`, a, { text: 'no client id' }), 400, 'VALIDATION_FAILED');
    expectError(await api.send(a, chatId, { clientId: 'not-a-uuid', text: 'x' }), 400, 'VALIDATION_FAILED');
    expectError(await api.send(a, chatId, { text: 42 }), 400, 'VALIDATION_FAILED');
    expectError(await api.send(a, chatId, { text: 'x', attachmentIds: ['nope'] }), 400, 'VALIDATION_FAILED');
    expectError(await api.send(a, 'not-a-uuid', { text: 'x' }), 400, 'VALIDATION_FAILED');
    expectError(await api.send(a, randomUUID(), { text: 'x' }), 404, 'CHAT_NOT_FOUND');
    expectError(await api.send(outsider, chatId, { text: 'x' }), 404, 'CHAT_NOT_FOUND');
    expectError(await api.send(null, chatId, { text: 'x' }), 401, 'UNAUTHORIZED');
  });

  it('a member removed while sending gets nothing in after the removal', async () => {
    const owner = await api.newUser();
    const [kicked, stays] = await api.newUsers(2);
    const g = (await api.newGroup(owner, [kicked, stays])).id;
    // The kicked member's sends race the removal; whatever got in must precede it.
    const sends = Array.from({ length: 12 }, (_, i) => api.send(kicked, g, { text: `racing ${i}` }));
    const kick = api.removeMember(owner, g, kicked);
    const [kickRes, ...sendRes] = await Promise.all([kick, ...sends]);
    expect(kickRes.status).toBe(204);
    for (const r of sendRes) expect([201, 404]).toContain(r.status);
    const { rows } = await svc.db.query<{ seq: number; sender_id: string; type: string; event: { kind: string } | null }>(
      `SELECT seq, sender_id, type, event FROM messages WHERE chat_id = $1 ORDER BY seq`,
      [g],
    );
    const removedAt = rows.find((r) => r.event?.kind === 'member_removed')!.seq;
    const fromKicked = rows.filter((r) => r.type === 'text' && r.sender_id === kicked.id).map((r) => r.seq);
    expect(fromKicked.every((seq) => seq < removedAt)).toBe(true);
    expect(fromKicked).toHaveLength(sendRes.filter((r) => r.status === 201).length);
    expect(rows.map((r) => r.seq)).toEqual(range(1, rows.length));
  });

  it('checks attachments: too many (400), unknown (404) — and stores nothing', async () => {
    const seq = await dbLastSeq(chatId);
    const count = await dbCount(chatId);
    const eleven = Array.from({ length: 11 }, () => randomUUID());
    expectError(await api.send(a, chatId, { text: 'x', attachmentIds: eleven }), 400, 'TOO_MANY_ATTACHMENTS');
    expectError(await api.send(a, chatId, { text: 'x', attachmentIds: [randomUUID()] }), 404, 'ATTACHMENT_NOT_FOUND');
    expect(await dbLastSeq(chatId)).toBe(seq);
    expect(await dbCount(chatId)).toBe(count);
  });
});
