import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TestUser, expectError, registerUser, registerUsers } from './support/api';
import { TestService, startTestService } from './support/service';

/**
 * Messages against the built service and a real PostgreSQL: sending (seq, clientId), history pages,
 * receipts, delete, edit, forward and commands.
 */
describe('messages (real service, real PostgreSQL)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.close();
  });
  const api = () => request(svc.url);

  type Msg = Record<string, any>;

  async function group(owner: TestUser, members: TestUser[], title = 'group'): Promise<string> {
    const res = await api()
      .post('/api/chats')
      .set(owner.auth)
      .send({ type: 'group', title, memberIds: members.map((m) => m.id) });
    if (res.status !== 201) throw new Error(`group: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function direct(a: TestUser, b: TestUser): Promise<string> {
    const res = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
    if (res.status !== 201 && res.status !== 200) throw new Error(`direct: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  function send(u: TestUser, chatId: string, body: Record<string, unknown>) {
    return api()
      .post(`/api/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ clientId: randomUUID(), ...body });
  }

  async function sendOk(u: TestUser, chatId: string, text: string): Promise<Msg> {
    const res = await send(u, chatId, { text });
    if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function sendMany(u: TestUser, chatId: string, n: number, prefix = 'm'): Promise<Msg[]> {
    const out: Msg[] = [];
    for (let i = 1; i <= n; i++) out.push(await sendOk(u, chatId, `${prefix}${i}`));
    return out;
  }

  function history(u: TestUser, chatId: string, query: Record<string, unknown> = {}) {
    return api().get(`/api/chats/${chatId}/messages`).set(u.auth).query(query);
  }

  async function historyOk(u: TestUser, chatId: string, query: Record<string, unknown> = {}): Promise<{ items: Msg[]; hasMore: boolean }> {
    const res = await history(u, chatId, query);
    if (res.status !== 200) throw new Error(`history: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function chatDetail(u: TestUser, chatId: string): Promise<Msg> {
    const res = await api().get(`/api/chats/${chatId}`).set(u.auth);
    if (res.status !== 200) throw new Error(`detail: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function dbLastSeq(chatId: string): Promise<number> {
    return (await svc.db.query('SELECT last_seq FROM chats WHERE id = $1', [chatId])).rows[0].last_seq;
  }

  async function dbCount(chatId: string): Promise<number> {
    return (await svc.db.query('SELECT count(*)::int AS n FROM messages WHERE chat_id = $1', [chatId])).rows[0].n;
  }

  /** Walks the whole history with `before` (newest first) and with `after` (oldest first). */
  async function walk(
    u: TestUser,
    chatId: string,
    dir: 'before' | 'after',
    limit?: number,
  ): Promise<{ pages: Msg[][]; hasMore: boolean[] }> {
    const pages: Msg[][] = [];
    const hasMore: boolean[] = [];
    let cursor: number | undefined = dir === 'after' ? 0 : undefined;
    for (let guard = 0; guard < 100; guard++) {
      const query: Record<string, unknown> = {};
      if (cursor !== undefined) query[dir] = cursor;
      if (limit !== undefined) query.limit = limit;
      const page = await historyOk(u, chatId, query);
      pages.push(page.items);
      hasMore.push(page.hasMore);
      if (!page.hasMore) return { pages, hasMore };
      cursor = dir === 'after' ? page.items.at(-1)!.seq : page.items[0].seq;
    }
    throw new Error('history never ended');
  }

  const seqsOf = (items: Msg[]) => items.map((m) => m.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  describe('sending', () => {
    let a: TestUser;
    let b: TestUser;
    let outsider: TestUser;
    let chatId: string;
    beforeAll(async () => {
      [a, b, outsider] = await registerUsers(svc.url, 3);
      chatId = await direct(a, b);
    });

    it('stores a text message with a UUID id, the next seq and the contract shape', async () => {
      const clientId = randomUUID();
      const res = await send(a, chatId, { clientId, text: 'hello' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        chatId,
        seq: 1,
        senderId: a.id,
        type: 'text',
        text: 'hello',
        attachments: [],
        forwardedFrom: null,
        event: null,
        editedAt: null,
        deleted: false,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        clientId,
        status: 'sent',
      });
      const second = await sendOk(b, chatId, 'hi');
      expect(second.seq).toBe(2);
      expect(await dbLastSeq(chatId)).toBe(2);
    });

    it('moves the last message, lastSeq and last activity of the chat with each send, for both members', async () => {
      const before = await chatDetail(b, chatId);
      await new Promise((r) => setTimeout(r, 20));
      const sent = await sendOk(a, chatId, 'latest');
      for (const u of [a, b]) {
        const list = (await api().get('/api/chats').set(u.auth)).body.items as Msg[];
        const item = list.find((c) => c.id === chatId)!;
        expect(item.lastMessage.id).toBe(sent.id);
        expect(item.lastMessage.text).toBe('latest');
        expect(item.lastSeq).toBe(sent.seq);
        expect(Date.parse(item.lastActivityAt)).toBeGreaterThan(Date.parse(before.lastActivityAt));
      }
      // The peer sees the message as someone else's: no status.
      expect((await chatDetail(b, chatId)).lastMessage.status).toBeNull();
    });

    it('keeps seqs 1..N gap-free and in commit order with 20 concurrent senders in one group', async () => {
      const owner = await registerUser(svc.url);
      const senders = await registerUsers(svc.url, 20);
      const g = await group(owner, senders, 'busy');
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
          const mine: Msg[] = [];
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

      const rows = (await svc.db.query('SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq', [g])).rows.map((r) => r.seq);
      expect(rows).toEqual(range(1, total));
      expect(await dbLastSeq(g)).toBe(total);
      expect(seen).toEqual(range(1, total));
      // createdAt follows seq: a client sorting by time sees the same order.
      const times = (await svc.db.query('SELECT created_at FROM messages WHERE chat_id = $1 ORDER BY seq', [g])).rows.map((r) =>
        r.created_at.getTime(),
      );
      expect(times).toEqual([...times].sort((x, y) => x - y));
      const chatRow = (await svc.db.query('SELECT last_activity_at FROM chats WHERE id = $1', [g])).rows[0];
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
      const first = await send(a, chatId, { clientId, text: 'once' });
      expect(first.status).toBe(201);
      const seqAfterFirst = await dbLastSeq(chatId);
      const again = await send(a, chatId, { clientId, text: 'once' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // Even with another body, the retry answers with what was stored first.
      const changed = await send(a, chatId, { clientId, text: 'twice?' });
      expect(changed.status).toBe(200);
      expect(changed.body.id).toBe(first.body.id);
      expect(changed.body.text).toBe('once');
      expect(await dbLastSeq(chatId)).toBe(seqAfterFirst);
      const rows = await svc.db.query('SELECT count(*)::int AS n FROM messages WHERE client_id = $1', [clientId]);
      expect(rows.rows[0].n).toBe(1);
      // The next message takes the very next seq: the retries left no gap.
      expect((await sendOk(a, chatId, 'next')).seq).toBe(seqAfterFirst + 1);
    });

    it('answers 10 racing identical requests with exactly one 201 and nine 200 of the same message, one row', async () => {
      const clientId = randomUUID();
      const seqBefore = await dbLastSeq(chatId);
      const responses = await Promise.all(Array.from({ length: 10 }, () => send(a, chatId, { clientId, text: 'race' })));
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
      const other = await direct(a, outsider);
      const mine = await send(a, chatId, { clientId, text: 'x' });
      const peer = await send(b, chatId, { clientId, text: 'x' });
      const elsewhere = await send(a, other, { clientId, text: 'x' });
      expect([mine.status, peer.status, elsewhere.status]).toEqual([201, 201, 201]);
      expect(new Set([mine.body.id, peer.body.id, elsewhere.body.id]).size).toBe(3);
    });

    it('accepts 4096 code points of astral characters and refuses 4097 with MESSAGE_TOO_LONG', async () => {
      const max = '😀'.repeat(4096);
      const ok = await send(a, chatId, { text: max });
      expect(ok.status).toBe(201);
      expect(ok.body.text).toBe(max);
      const stored = await svc.db.query('SELECT text FROM messages WHERE id = $1', [ok.body.id]);
      expect(stored.rows[0].text).toBe(max);
      // Mixed: 4095 ASCII + one astral = 4096 code points (4097 UTF-16 units).
      expect((await send(a, chatId, { text: `${'a'.repeat(4095)}😀` })).status).toBe(201);

      const seq = await dbLastSeq(chatId);
      expectError(await send(a, chatId, { text: '😀'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
      expectError(await send(a, chatId, { text: 'a'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
      // Far over the limit is the same error, not a generic validation failure.
      expectError(await send(a, chatId, { text: 'a'.repeat(70_000) }), 400, 'MESSAGE_TOO_LONG');
      expect(await dbLastSeq(chatId)).toBe(seq);
    });

    it('refuses a message without a non-space character and without attachments', async () => {
      const seq = await dbLastSeq(chatId);
      for (const body of [{ text: '     ' }, { text: ' \n\t ' }, { text: '' }, {}, { text: '   ', attachmentIds: [] }]) {
        const err = expectError(await send(a, chatId, body), 400, 'VALIDATION_FAILED');
        expect(Array.isArray(err.details)).toBe(true);
      }
      expect(await dbLastSeq(chatId)).toBe(seq);
    });

    it('validates the body and the chat', async () => {
      expectError(await api().post(`/api/chats/${chatId}/messages`).set(a.auth).send({ text: 'no client id' }), 400, 'VALIDATION_FAILED');
      expectError(await send(a, chatId, { clientId: 'not-a-uuid', text: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(await send(a, chatId, { text: 42 }), 400, 'VALIDATION_FAILED');
      expectError(await send(a, chatId, { text: 'x', attachmentIds: ['nope'] }), 400, 'VALIDATION_FAILED');
      expectError(await send(a, 'not-a-uuid', { text: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(await send(a, randomUUID(), { text: 'x' }), 404, 'CHAT_NOT_FOUND');
      expectError(await send(outsider, chatId, { text: 'x' }), 404, 'CHAT_NOT_FOUND');
      expectError(await api().post(`/api/chats/${chatId}/messages`).send({ clientId: randomUUID(), text: 'x' }), 401, 'UNAUTHORIZED');
    });

    it('a member removed while sending gets nothing in after the removal', async () => {
      const owner = await registerUser(svc.url);
      const [kicked, stays] = await registerUsers(svc.url, 2);
      const g = await group(owner, [kicked, stays]);
      // The kicked member's sends race the removal; whatever got in must precede it.
      const sends = Array.from({ length: 12 }, (_, i) => send(kicked, g, { text: `racing ${i}` }));
      const kick = api().delete(`/api/chats/${g}/members/${kicked.id}`).set(owner.auth);
      const [kickRes, ...sendRes] = await Promise.all([kick, ...sends]);
      expect(kickRes.status).toBe(204);
      for (const r of sendRes) expect([201, 404]).toContain(r.status);
      const rows = (await svc.db.query(`SELECT seq, sender_id, type, event FROM messages WHERE chat_id = $1 ORDER BY seq`, [g]))
        .rows as Array<{ seq: number; sender_id: string; type: string; event: { kind: string } | null }>;
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
      expectError(await send(a, chatId, { text: 'x', attachmentIds: eleven }), 400, 'TOO_MANY_ATTACHMENTS');
      expectError(await send(a, chatId, { text: 'x', attachmentIds: [randomUUID()] }), 404, 'ATTACHMENT_NOT_FOUND');
      expect(await dbLastSeq(chatId)).toBe(seq);
      expect(await dbCount(chatId)).toBe(count);
    });
  });

  describe('attachments on messages', () => {
    let a: TestUser;
    let b: TestUser;
    let c: string;
    beforeAll(async () => {
      [a, b] = await registerUsers(svc.url, 2);
      c = await direct(a, b);
    });

    /** An upload of `owner`, written directly: the upload route is the attachments feature's. */
    async function upload(owner: TestUser, filename: string): Promise<string> {
      const res = await svc.db.query(
        `INSERT INTO attachments (uploader_id, filename, mime_type, size, sha256, storage_key)
         VALUES ($1, $2, 'text/plain', 5, repeat('a', 64), $2) RETURNING id`,
        [owner.id, filename],
      );
      return res.rows[0].id;
    }

    it('puts the sender’s uploads on the message in the order given; a retry stores nothing new', async () => {
      const [f1, f2] = [await upload(a, 'one.txt'), await upload(a, 'two.txt')];
      const clientId = randomUUID();
      const res = await send(a, c, { clientId, attachmentIds: [f2, f1] });
      expect(res.status).toBe(201);
      expect(res.body.text).toBeNull();
      expect(res.body.attachments).toEqual([
        { id: f2, filename: 'two.txt', mimeType: 'text/plain', size: 5, sha256: 'a'.repeat(64), createdAt: expect.stringMatching(/Z$/) },
        expect.objectContaining({ id: f1, filename: 'one.txt' }),
      ]);
      const retry = await send(a, c, { clientId, attachmentIds: [f2, f1] });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(res.body);
      expect((await historyOk(b, c)).items.at(-1)!.attachments.map((x: Msg) => x.id)).toEqual([f2, f1]);
      // Spaces-only text is fine next to a file; a leading "/" is then just text.
      const f3 = await upload(a, 'three.txt');
      const withText = await send(a, c, { text: '/help', attachmentIds: [f3] });
      expect(withText.status).toBe(201);
      expect(withText.body.text).toBe('/help');
    });

    it('refuses someone else’s upload or one already used (404), storing nothing', async () => {
      const theirs = await upload(b, 'theirs.txt');
      const used = await upload(a, 'used.txt');
      await send(a, c, { attachmentIds: [used] }).expect(201);
      const seq = await dbLastSeq(c);
      expectError(await send(a, c, { attachmentIds: [theirs] }), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await send(a, c, { text: 'x', attachmentIds: [used] }), 404, 'ATTACHMENT_NOT_FOUND');
      const fresh = await upload(a, 'fresh.txt');
      expectError(await send(a, c, { attachmentIds: [fresh, used] }), 404, 'ATTACHMENT_NOT_FOUND');
      expect(await dbLastSeq(c)).toBe(seq);
      // The failed send did not claim the fresh upload.
      expect((await send(a, c, { attachmentIds: [fresh] })).status).toBe(201);
    });

    it('a forward carries the attachments; a tombstone shows none, the rows stay', async () => {
      const f = await upload(a, 'keep.txt');
      const m = (await send(a, c, { text: 'file', attachmentIds: [f] }).expect(201)).body;
      const g = await group(a, [b]);
      const fw = await api()
        .post(`/api/chats/${g}/messages/forward`)
        .set(a.auth)
        .send({ fromChatId: c, seqs: [m.seq] });
      expect(fw.status).toBe(201);
      expect(fw.body.items[0].attachments.map((x: Msg) => x.id)).toEqual([f]);
      await api().delete(`/api/chats/${c}/messages/${m.seq}`).set(a.auth).query({ scope: 'everyone' }).expect(204);
      for (const u of [a, b]) {
        expect((await historyOk(u, c)).items.find((x) => x.seq === m.seq)).toEqual(
          expect.objectContaining({ deleted: true, text: null, attachments: [] }),
        );
      }
      const links = await svc.db.query('SELECT count(*)::int AS n FROM message_attachments WHERE attachment_id = $1', [f]);
      expect(links.rows[0].n).toBe(2);
      // The forwarded copy is a message of its own and keeps its file.
      expect((await historyOk(b, g)).items.at(-1)!.attachments.map((x: Msg) => x.id)).toEqual([f]);
    });
  });

  describe('history', () => {
    let a: TestUser;
    let b: TestUser;
    let outsider: TestUser;
    let chatId: string;
    beforeAll(async () => {
      [a, b, outsider] = await registerUsers(svc.url, 3);
      chatId = await direct(a, b);
      // 40 messages, alternating senders.
      for (let i = 1; i <= 40; i++) await sendOk(i % 2 ? a : b, chatId, `h${i}`);
    });

    it('pages 40 messages 15 at a time with before: newest first, ascending items, no gap or duplicate', async () => {
      const first = await historyOk(a, chatId);
      expect(seqsOf(first.items)).toEqual(range(26, 40));
      expect(first.hasMore).toBe(true);
      expect(first.items.map((m) => m.text)).toEqual(range(26, 40).map((i) => `h${i}`));
      const second = await historyOk(a, chatId, { before: 26 });
      expect(seqsOf(second.items)).toEqual(range(11, 25));
      expect(second.hasMore).toBe(true);
      const third = await historyOk(a, chatId, { before: 11 });
      expect(seqsOf(third.items)).toEqual(range(1, 10));
      expect(third.hasMore).toBe(false);
    });

    it('pages 40 messages 15 at a time with after: oldest first, no gap or duplicate', async () => {
      const { pages, hasMore } = await walk(a, chatId, 'after', 15);
      expect(pages.map(seqsOf)).toEqual([range(1, 15), range(16, 30), range(31, 40)]);
      expect(hasMore).toEqual([true, true, false]);
      expect((await historyOk(a, chatId, { after: 40 })).items).toEqual([]);
      expect((await historyOk(a, chatId, { after: 40 })).hasMore).toBe(false);
    });

    it('keeps pages full when messages are deleted for me in between, both ways, and only for me', async () => {
      const hidden = [3, 12, 20, 27, 28, 33, 40];
      for (const seq of hidden) {
        expect((await api().delete(`/api/chats/${chatId}/messages/${seq}`).set(b.auth)).status).toBe(204);
      }
      const visible = range(1, 40).filter((s) => !hidden.includes(s)); // 33 messages

      const back = await walk(b, chatId, 'before');
      expect(back.pages.map((p) => p.length)).toEqual([15, 15, 3]);
      expect(back.hasMore).toEqual([true, true, false]);
      expect(
        back.pages
          .reverse()
          .flat()
          .map((m) => m.seq),
      ).toEqual(visible);

      const fwd = await walk(b, chatId, 'after');
      expect(fwd.pages.map((p) => p.length)).toEqual([15, 15, 3]);
      expect(fwd.pages.flat().map((m) => m.seq)).toEqual(visible);

      // A page that ends exactly at the last visible message says so.
      const lastFull = await historyOk(b, chatId, { before: visible[3] + 1, limit: 4 });
      expect(seqsOf(lastFull.items)).toEqual(visible.slice(0, 4));
      expect(lastFull.hasMore).toBe(false);

      // The other member still sees all 40; nothing was removed.
      expect((await walk(a, chatId, 'after', 100)).pages.flat().map((m) => m.seq)).toEqual(range(1, 40));
      expect(await dbCount(chatId)).toBe(40);
      const hides = await svc.db.query('SELECT seq FROM message_hides WHERE user_id = $1 AND chat_id = $2 ORDER BY seq', [b.id, chatId]);
      expect(hides.rows.map((r) => r.seq)).toEqual(hidden);
    });

    it('hides what is before my dialog cut-off, keeps pages full after it, and a new message brings the chat back', async () => {
      const [x, y] = await registerUsers(svc.url, 2);
      const c = await direct(x, y);
      await sendMany(x, c, 20, 'old');
      expect((await api().delete(`/api/chats/${c}`).set(y.auth)).status).toBe(204);
      expect((await historyOk(y, c)).items).toEqual([]);
      expect(((await api().get('/api/chats').set(y.auth)).body.items as Msg[]).some((i) => i.id === c)).toBe(false);
      await sendMany(x, c, 18, 'new');
      const page = await historyOk(y, c);
      expect(seqsOf(page.items)).toEqual(range(24, 38));
      expect(page.hasMore).toBe(true);
      const older = await historyOk(y, c, { before: 24 });
      expect(seqsOf(older.items)).toEqual(range(21, 23));
      expect(older.hasMore).toBe(false);
      expect(seqsOf((await historyOk(y, c, { after: 0 })).items)).toEqual(range(21, 35));
      expect(((await api().get('/api/chats').set(y.auth)).body.items as Msg[]).some((i) => i.id === c)).toBe(true);
      // Messages before the cut-off cannot be reached one by one either.
      expectError(await api().patch(`/api/chats/${c}/messages/5`).set(y.auth).send({ text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
      expectError(await api().get(`/api/chats/${c}/messages/5/receipts`).set(y.auth), 404, 'MESSAGE_NOT_FOUND');
      // The sender keeps everything.
      expect((await walk(x, c, 'after', 100)).pages.flat().length).toBe(38);
    });

    it('uses 15 by default, accepts up to 100 and refuses more with VALIDATION_FAILED', async () => {
      expect((await historyOk(a, chatId)).items).toHaveLength(15);
      expect((await historyOk(a, chatId, { limit: 100 })).items).toHaveLength(40);
      expect((await historyOk(a, chatId, { limit: 1 })).items.map((m) => m.seq)).toEqual([40]);
      expectError(await history(a, chatId, { limit: 101 }), 400, 'VALIDATION_FAILED');
      expectError(await history(a, chatId, { limit: 0 }), 400, 'VALIDATION_FAILED');
      expectError(await history(a, chatId, { limit: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(await history(a, chatId, { before: 'abc' }), 400, 'VALIDATION_FAILED');
      expectError(await history(a, chatId, { after: -1 }), 400, 'VALIDATION_FAILED');
      expectError(await history(a, chatId, { before: 1.5 }), 400, 'VALIDATION_FAILED');
      // An object that Number() cannot convert (it threw inside the transform: a 500 before).
      const res = await api().get(`/api/chats/${chatId}/messages?before[valueOf]=1&before[toString]=1`).set(a.auth);
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('refuses before and after together', async () => {
      expectError(await history(a, chatId, { before: 30, after: 10 }), 400, 'VALIDATION_FAILED');
    });

    it('answers 404 to a non-member and to an unknown chat', async () => {
      expectError(await history(outsider, chatId), 404, 'CHAT_NOT_FOUND');
      expectError(await history(a, randomUUID()), 404, 'CHAT_NOT_FOUND');
      expectError(await history(a, 'nope'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('receipts, status and unreadCount', () => {
    it('derives status, receipts and unreadCount from the peer’s cursors in a direct chat, from both sides', async () => {
      const [a, b] = await registerUsers(svc.url, 2);
      const c = await direct(a, b);
      const m1 = await sendOk(a, c, 'one');
      const m2 = await sendOk(a, c, 'two');
      expect([m1.status, m2.status]).toEqual(['sent', 'sent']);

      const statuses = async () => (await historyOk(a, c)).items.map((m) => m.status);
      expect(await statuses()).toEqual(['sent', 'sent']);
      expect((await chatDetail(b, c)).unreadCount).toBe(2);
      expect((await chatDetail(a, c)).unreadCount).toBe(0);
      expect(
        await api()
          .get(`/api/chats/${c}/messages/1/receipts`)
          .set(a.auth)
          .then((r) => r.body),
      ).toEqual({ deliveredTo: [], readBy: [] });

      // b's device got the first message.
      expect((await api().post(`/api/chats/${c}/delivered`).set(b.auth).send({ seq: 1 })).status).toBe(204);
      expect(await statuses()).toEqual(['delivered', 'sent']);
      const r1 = (await api().get(`/api/chats/${c}/messages/1/receipts`).set(a.auth)).body;
      expect(r1.deliveredTo.map((u: Msg) => u.id)).toEqual([b.id]);
      expect(r1.deliveredTo[0]).toEqual(expect.objectContaining({ id: b.id, username: b.username, online: expect.any(Boolean) }));
      expect(r1.readBy).toEqual([]);
      expect((await chatDetail(b, c)).unreadCount).toBe(2);

      // b reads the first: read implies delivered.
      expect((await api().post(`/api/chats/${c}/read`).set(b.auth).send({ seq: 1 })).status).toBe(204);
      expect(await statuses()).toEqual(['read', 'sent']);
      expect((await chatDetail(b, c)).unreadCount).toBe(1);
      expect((await chatDetail(b, c)).readSeq).toBe(1);

      // b reads everything; then an older read is ignored (forward only).
      await api().post(`/api/chats/${c}/read`).set(b.auth).send({ seq: 2 }).expect(204);
      await api().post(`/api/chats/${c}/read`).set(b.auth).send({ seq: 1 }).expect(204);
      await api().post(`/api/chats/${c}/delivered`).set(b.auth).send({ seq: 0 }).expect(204);
      expect(await statuses()).toEqual(['read', 'read']);
      const members = (await chatDetail(a, c)).members as Msg[];
      expect(members.find((m) => m.user.id === b.id)).toEqual(expect.objectContaining({ deliveredSeq: 2, readSeq: 2 }));
      expect((await chatDetail(b, c)).unreadCount).toBe(0);
      const r2 = (await api().get(`/api/chats/${c}/messages/2/receipts`).set(a.auth)).body;
      expect(r2.deliveredTo.map((u: Msg) => u.id)).toEqual([b.id]);
      expect(r2.readBy.map((u: Msg) => u.id)).toEqual([b.id]);

      // The other side: b's messages have a status for b only; a's unread count follows a's cursor.
      const reply = await sendOk(b, c, 'reply');
      expect(reply.status).toBe('sent');
      expect((await historyOk(b, c)).items.map((m) => [m.seq, m.status])).toEqual([
        [1, null],
        [2, null],
        [3, 'sent'],
      ]);
      expect((await chatDetail(a, c)).unreadCount).toBe(1);
      // A read beyond the last message is clamped to it.
      await api().post(`/api/chats/${c}/read`).set(a.auth).send({ seq: 999 }).expect(204);
      expect((await chatDetail(a, c)).readSeq).toBe(3);
      expect((await chatDetail(a, c)).unreadCount).toBe(0);
      expect((await historyOk(b, c)).items.at(-1)!.status).toBe('read');
    });

    it('reading history advances the reader’s delivered cursor (and only it)', async () => {
      const [a, b] = await registerUsers(svc.url, 2);
      const c = await direct(a, b);
      await sendMany(a, c, 3);
      expect((await historyOk(a, c)).items.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
      await historyOk(b, c);
      expect((await historyOk(a, c)).items.map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
      const bm = ((await chatDetail(a, c)).members as Msg[]).find((m) => m.user.id === b.id)!;
      expect(bm).toEqual(expect.objectContaining({ deliveredSeq: 3, readSeq: 0 }));
      expect((await chatDetail(b, c)).unreadCount).toBe(3);
      // An older page does not move it back.
      await historyOk(b, c, { before: 2 });
      expect(((await chatDetail(a, c)).members as Msg[]).find((m) => m.user.id === b.id)!.deliveredSeq).toBe(3);
    });

    it('in a group, delivered/read only when every other member got there; receipts list who', async () => {
      const [owner, b, c] = await registerUsers(svc.url, 3);
      const g = await group(owner, [b, c]);
      const m = await sendOk(owner, g, 'to all'); // seq 2 (1 is "created")
      const status = async () => (await historyOk(owner, g)).items.at(-1)!.status;
      expect(await status()).toBe('sent');
      await api().post(`/api/chats/${g}/delivered`).set(b.auth).send({ seq: m.seq }).expect(204);
      expect(await status()).toBe('sent');
      let r = (await api().get(`/api/chats/${g}/messages/${m.seq}/receipts`).set(owner.auth)).body;
      expect(r.deliveredTo.map((u: Msg) => u.id)).toEqual([b.id]);
      await api().post(`/api/chats/${g}/read`).set(c.auth).send({ seq: m.seq }).expect(204);
      expect(await status()).toBe('delivered');
      await api().post(`/api/chats/${g}/read`).set(b.auth).send({ seq: m.seq }).expect(204);
      expect(await status()).toBe('read');
      r = (await api().get(`/api/chats/${g}/messages/${m.seq}/receipts`).set(owner.auth)).body;
      expect(r.deliveredTo.map((u: Msg) => u.id).sort()).toEqual([b.id, c.id].sort());
      expect(r.readBy.map((u: Msg) => u.id).sort()).toEqual([b.id, c.id].sort());
      // System messages have no status.
      expect((await historyOk(owner, g)).items[0]).toEqual(expect.objectContaining({ type: 'system', status: null }));
    });

    it('receipts: 404 for a non-member or an unknown seq, 400 for a bad seq', async () => {
      const [a, b, outsider] = await registerUsers(svc.url, 3);
      const c = await direct(a, b);
      await sendOk(a, c, 'x');
      expectError(await api().get(`/api/chats/${c}/messages/1/receipts`).set(outsider.auth), 404, 'CHAT_NOT_FOUND');
      expectError(await api().get(`/api/chats/${c}/messages/2/receipts`).set(a.auth), 404, 'MESSAGE_NOT_FOUND');
      expectError(await api().get(`/api/chats/${c}/messages/x/receipts`).set(a.auth), 400, 'VALIDATION_FAILED');
      expectError(await api().get(`/api/chats/${c}/messages/0/receipts`).set(a.auth), 400, 'VALIDATION_FAILED');
    });
  });

  describe('delete', () => {
    let owner: TestUser;
    let admin: TestUser;
    let member: TestUser;
    let other: TestUser;
    let outsider: TestUser;
    let g: string;
    beforeAll(async () => {
      [owner, admin, member, other, outsider] = await registerUsers(svc.url, 5);
      g = await group(owner, [admin, member, other]);
      await svc.db.query(`UPDATE chat_members SET role = 'admin' WHERE chat_id = $1 AND user_id = $2`, [g, admin.id]);
    });
    const del = (u: TestUser, chatId: string, seq: number | string, scope?: string) =>
      api()
        .delete(`/api/chats/${chatId}/messages/${seq}`)
        .set(u.auth)
        .query(scope ? { scope } : {});
    const find = async (u: TestUser, chatId: string, seq: number) =>
      (await historyOk(u, chatId, { limit: 100 })).items.find((m) => m.seq === seq);

    it('delete for me (the default) hides the message for the caller only; the row stays', async () => {
      const m = await sendOk(member, g, 'hide me');
      expect((await del(other, g, m.seq)).status).toBe(204);
      expect(await find(other, g, m.seq)).toBeUndefined();
      // Once hidden, it is not there for the caller any more.
      expectError(await del(other, g, m.seq), 404, 'MESSAGE_NOT_FOUND');
      expect(await find(member, g, m.seq)).toEqual(expect.objectContaining({ text: 'hide me', deleted: false }));
      expect((await del(member, g, m.seq, 'me')).status).toBe(204);
      expect(await find(member, g, m.seq)).toBeUndefined();
      expect(await find(owner, g, m.seq)).toEqual(expect.objectContaining({ text: 'hide me' }));
      const row = await svc.db.query('SELECT text, deleted_at FROM messages WHERE id = $1', [m.id]);
      expect(row.rows).toEqual([{ text: 'hide me', deleted_at: null }]);
      // Anyone can delete anyone's message for themselves, but not for others.
      expectError(await api().patch(`/api/chats/${g}/messages/${m.seq}`).set(member.auth).send({ text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
    });

    it('a message deleted for me leaves my chat summary: last message and unread count skip it', async () => {
      const [x, y] = await registerUsers(svc.url, 2);
      const c = await direct(x, y);
      const m1 = await sendOk(x, c, 'first');
      const m2 = await sendOk(x, c, 'second');
      expect((await chatDetail(y, c)).unreadCount).toBe(2);
      await del(y, c, m2.seq).expect(204);
      const summary = await chatDetail(y, c);
      expect(summary.lastMessage.id).toBe(m1.id);
      expect(summary.unreadCount).toBe(1);
      expect(summary.lastSeq).toBe(m2.seq);
      expect((await chatDetail(x, c)).lastMessage.id).toBe(m2.id);
    });

    it('delete for everyone by the sender leaves a tombstone for all: deleted, text null, attachments []', async () => {
      const m = await sendOk(member, g, 'regret');
      expect((await del(member, g, m.seq, 'everyone')).status).toBe(204);
      for (const u of [owner, admin, member, other]) {
        const seen = await find(u, g, m.seq);
        expect(seen).toEqual(
          expect.objectContaining({ id: m.id, seq: m.seq, senderId: member.id, deleted: true, text: null, attachments: [] }),
        );
      }
      const row = await svc.db.query('SELECT text, deleted_at FROM messages WHERE id = $1', [m.id]);
      expect(row.rows[0].text).toBe('regret');
      expect(row.rows[0].deleted_at).toBeInstanceOf(Date);
      // Again: nothing to do, still 204.
      expect((await del(member, g, m.seq, 'everyone')).status).toBe(204);
      // A tombstone cannot be edited or forwarded.
      expectError(await api().patch(`/api/chats/${g}/messages/${m.seq}`).set(member.auth).send({ text: 'x' }), 422, 'MESSAGE_DELETED');
      expectError(
        await api()
          .post(`/api/chats/${g}/messages/forward`)
          .set(member.auth)
          .send({ fromChatId: g, seqs: [m.seq] }),
        422,
        'MESSAGE_NOT_FORWARDABLE',
      );
    });

    it('delete for everyone: a plain member cannot delete someone else’s (403); the owner and an admin can', async () => {
      const m1 = await sendOk(other, g, 'one');
      const m2 = await sendOk(other, g, 'two');
      const m3 = await sendOk(owner, g, 'owner’s');
      expectError(await del(member, g, m1.seq, 'everyone'), 403, 'FORBIDDEN');
      expect((await find(member, g, m1.seq))!.deleted).toBe(false);
      expect((await del(admin, g, m1.seq, 'everyone')).status).toBe(204);
      expect((await del(owner, g, m2.seq, 'everyone')).status).toBe(204);
      expect((await del(admin, g, m3.seq, 'everyone')).status).toBe(204);
      for (const m of [m1, m2, m3]) expect(await find(other, g, m.seq)).toEqual(expect.objectContaining({ deleted: true, text: null }));
      expect(await dbCount(g)).toBeGreaterThanOrEqual(m3.seq);
    });

    it('in a direct chat only the sender can delete for everyone', async () => {
      const c = await direct(member, other);
      const m = await sendOk(member, c, 'mine');
      expectError(await del(other, c, m.seq, 'everyone'), 403, 'FORBIDDEN');
      expect((await del(member, c, m.seq, 'everyone')).status).toBe(204);
    });

    it('answers 404 to non-members and unknown seqs, 400 to a bad seq or scope', async () => {
      const m = await sendOk(owner, g, 'x');
      expectError(await del(outsider, g, m.seq), 404, 'CHAT_NOT_FOUND');
      expectError(await del(outsider, g, m.seq, 'everyone'), 404, 'CHAT_NOT_FOUND');
      expectError(await del(owner, g, 9999), 404, 'MESSAGE_NOT_FOUND');
      expectError(await del(owner, g, 'abc'), 400, 'VALIDATION_FAILED');
      expectError(await del(owner, g, 0), 400, 'VALIDATION_FAILED');
      expectError(await del(owner, g, m.seq, 'all'), 400, 'VALIDATION_FAILED');
      expect((await find(owner, g, m.seq))!.deleted).toBe(false);
    });
  });

  describe('edit', () => {
    let a: TestUser;
    let b: TestUser;
    let outsider: TestUser;
    let c: string;
    beforeAll(async () => {
      [a, b, outsider] = await registerUsers(svc.url, 3);
      c = await direct(a, b);
    });
    const edit = (u: TestUser, seq: number | string, body: Record<string, unknown>, chatId = c) =>
      api().patch(`/api/chats/${chatId}/messages/${seq}`).set(u.auth).send(body);

    it('edits one’s own message: new text, editedAt set, same id and seq, seen by the peer', async () => {
      const m = await sendOk(a, c, 'typo');
      const res = await edit(a, m.seq, { text: 'fixed 😀' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ id: m.id, seq: m.seq, text: 'fixed 😀', editedAt: expect.stringMatching(/Z$/), status: 'sent' }),
      );
      const seen = (await historyOk(b, c)).items.find((x) => x.seq === m.seq)!;
      expect(seen).toEqual(expect.objectContaining({ text: 'fixed 😀', editedAt: res.body.editedAt }));
      expect(await dbLastSeq(c)).toBe(m.seq);
    });

    it('refuses someone else’s message (403), a non-member (404), unknown seq (404)', async () => {
      const m = await sendOk(a, c, 'mine');
      expectError(await edit(b, m.seq, { text: 'hijack' }), 403, 'FORBIDDEN');
      expectError(await edit(outsider, m.seq, { text: 'x' }), 404, 'CHAT_NOT_FOUND');
      expectError(await edit(a, 9999, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
      expect((await historyOk(a, c)).items.find((x) => x.seq === m.seq)!.text).toBe('mine');
    });

    it('applies the text rules: code-point limit, a non-space character, a string', async () => {
      const m = await sendOk(a, c, 'short');
      expect((await edit(a, m.seq, { text: '😀'.repeat(4096) })).status).toBe(200);
      expectError(await edit(a, m.seq, { text: '😀'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
      expectError(await edit(a, m.seq, { text: '   ' }), 400, 'VALIDATION_FAILED');
      expectError(await edit(a, m.seq, {}), 400, 'VALIDATION_FAILED');
      expectError(await edit(a, m.seq, { text: 5 }), 400, 'VALIDATION_FAILED');
      expectError(await edit(a, 'x', { text: 'x' }), 400, 'VALIDATION_FAILED');
    });

    it('refuses to edit a system message, even for its author (403)', async () => {
      const g = await group(a, [b]);
      expectError(await edit(a, 1, { text: 'rewrite history' }, g), 403, 'FORBIDDEN');
    });
  });

  describe('forward', () => {
    let a: TestUser;
    let b: TestUser;
    let c: TestUser;
    let ab: string;
    let ac: string;
    let bc: string;
    beforeAll(async () => {
      [a, b, c] = await registerUsers(svc.url, 3);
      ab = await direct(a, b);
      ac = await direct(a, c);
      bc = await direct(b, c);
      await sendOk(a, ab, 'first');
      await sendOk(b, ab, 'second');
      await sendOk(a, ab, 'third');
    });
    const forward = (u: TestUser, to: string, body: Record<string, unknown>) =>
      api().post(`/api/chats/${to}/messages/forward`).set(u.auth).send(body);

    it('copies messages in seq order into the target chat with forwardedFrom, as the caller’s', async () => {
      const before = await dbLastSeq(ac);
      const res = await forward(a, ac, { fromChatId: ab, seqs: [3, 1, 2] });
      expect(res.status).toBe(201);
      expect(res.body.items.map((m: Msg) => [m.seq, m.text, m.senderId, m.chatId, m.status])).toEqual([
        [before + 1, 'first', a.id, ac, 'sent'],
        [before + 2, 'second', a.id, ac, 'sent'],
        [before + 3, 'third', a.id, ac, 'sent'],
      ]);
      expect(res.body.items.map((m: Msg) => m.forwardedFrom)).toEqual([
        { chatId: ab, seq: 1, senderId: a.id },
        { chatId: ab, seq: 2, senderId: b.id },
        { chatId: ab, seq: 3, senderId: a.id },
      ]);
      const seen = (await historyOk(c, ac)).items.slice(-3);
      expect(seen.map((m) => m.id)).toEqual(res.body.items.map((m: Msg) => m.id));
      expect(seen.map((m) => m.status)).toEqual([null, null, null]);
      // The chat list moved.
      expect((await chatDetail(c, ac)).lastMessage.id).toBe(res.body.items[2].id);

      // Duplicates count once.
      const dup = await forward(a, ac, { fromChatId: ab, seqs: [2, 2, 1] });
      expect(dup.body.items.map((m: Msg) => m.forwardedFrom.seq)).toEqual([1, 2]);

      // A forward of a forward points at the first origin.
      const again = await forward(c, bc, { fromChatId: ac, seqs: [res.body.items[1].seq] });
      expect(again.status).toBe(201);
      expect(again.body.items[0].forwardedFrom).toEqual({ chatId: ab, seq: 2, senderId: b.id });
    });

    it('requires membership of both chats (404), visible existing messages (404), and stores nothing on failure', async () => {
      const before = await dbLastSeq(bc);
      expectError(await forward(c, bc, { fromChatId: ab, seqs: [1] }), 404, 'CHAT_NOT_FOUND');
      expectError(await forward(a, bc, { fromChatId: ab, seqs: [1] }), 404, 'CHAT_NOT_FOUND');
      expectError(await forward(b, bc, { fromChatId: ab, seqs: [1, 99] }), 404, 'MESSAGE_NOT_FOUND');
      expectError(await forward(b, bc, { fromChatId: randomUUID(), seqs: [1] }), 404, 'CHAT_NOT_FOUND');
      // Deleted for me: not forwardable by me.
      await api().delete(`/api/chats/${ab}/messages/1`).set(b.auth).expect(204);
      expectError(await forward(b, bc, { fromChatId: ab, seqs: [1, 2] }), 404, 'MESSAGE_NOT_FOUND');
      expect(await dbLastSeq(bc)).toBe(before);
    });

    it('refuses tombstones and system messages with 422 MESSAGE_NOT_FORWARDABLE, all or nothing', async () => {
      const g = await group(a, [b]);
      const m = await sendOk(a, g, 'ok to forward');
      const gone = await sendOk(a, g, 'gone');
      await api().delete(`/api/chats/${g}/messages/${gone.seq}`).set(a.auth).query({ scope: 'everyone' }).expect(204);
      const before = await dbLastSeq(ab);
      expectError(await forward(a, ab, { fromChatId: g, seqs: [m.seq, gone.seq] }), 422, 'MESSAGE_NOT_FORWARDABLE');
      expectError(await forward(a, ab, { fromChatId: g, seqs: [1] }), 422, 'MESSAGE_NOT_FORWARDABLE');
      expect(await dbLastSeq(ab)).toBe(before);
    });

    it('validates the body: 1..100 integer seqs and a UUID', async () => {
      expectError(await forward(a, ac, { fromChatId: ab, seqs: [] }), 400, 'VALIDATION_FAILED');
      expectError(await forward(a, ac, { fromChatId: ab, seqs: range(1, 101) }), 400, 'VALIDATION_FAILED');
      expectError(await forward(a, ac, { fromChatId: ab, seqs: [0] }), 400, 'VALIDATION_FAILED');
      expectError(await forward(a, ac, { fromChatId: ab, seqs: ['1x'] }), 400, 'VALIDATION_FAILED');
      expectError(await forward(a, ac, { fromChatId: 'nope', seqs: [1] }), 400, 'VALIDATION_FAILED');
      expectError(await forward(a, ac, { seqs: [1] }), 400, 'VALIDATION_FAILED');
    });

    it('forwards 100 messages in one call, in order, with consecutive seqs', async () => {
      const [x, y] = await registerUsers(svc.url, 2);
      const src = await direct(x, y);
      const dst = await group(x, [y]);
      // 100 source messages, written directly: the API path is covered above.
      await svc.db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, type, text)
         SELECT $1, s, $2, 'text', 'fw' || s FROM generate_series(1, 100) s`,
        [src, y.id],
      );
      await svc.db.query('UPDATE chats SET last_seq = 100 WHERE id = $1', [src]);
      const res = await forward(x, dst, { fromChatId: src, seqs: range(1, 100).reverse() });
      expect(res.status).toBe(201);
      expect(res.body.items.map((m: Msg) => m.seq)).toEqual(range(2, 101));
      expect(res.body.items.map((m: Msg) => m.text)).toEqual(range(1, 100).map((s) => `fw${s}`));
      expect(res.body.items.map((m: Msg) => m.forwardedFrom.seq)).toEqual(range(1, 100));
      expect(await dbLastSeq(dst)).toBe(101);
    });
  });

  describe('commands', () => {
    let owner: TestUser;
    let member: TestUser;
    let third: TestUser;
    let g: string;
    beforeAll(async () => {
      [owner, member, third] = await registerUsers(svc.url, 3);
      g = await group(owner, [member], 'before');
    });
    const cmd = (u: TestUser, text: string, chatId = g) => send(u, chatId, { text });

    it('/help answers 200 with the list and stores nothing', async () => {
      const seq = await dbLastSeq(g);
      const res = await cmd(member, '/help');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ type: 'command', command: 'help', result: { commands: expect.any(Array) }, message: null });
      expect(res.body.result.commands.map((c: Msg) => c.command)).toEqual([
        'help',
        'who',
        'title',
        'invite',
        'kick',
        'leave',
        'pin',
        'unpin',
      ]);
      expect(await dbLastSeq(g)).toBe(seq);
      expectError(await cmd(member, '/help me'), 400, 'VALIDATION_FAILED');
    });

    it('/who lists the members with presence', async () => {
      const res = await cmd(member, '/WHO');
      expect(res.status).toBe(200);
      expect(res.body.command).toBe('who');
      const members = res.body.result.members as Msg[];
      expect(members.map((m) => m.user.id).sort()).toEqual([owner.id, member.id].sort());
      expect(members.find((m) => m.user.id === owner.id)).toEqual(
        expect.objectContaining({
          role: 'owner',
          user: expect.objectContaining({ online: expect.any(Boolean), username: owner.username }),
        }),
      );
    });

    it('/title: 403 for a plain member, renames for the owner with a system message', async () => {
      expectError(await cmd(member, '/title Mine now'), 403, 'FORBIDDEN');
      expect((await chatDetail(owner, g)).title).toBe('before');
      const res = await cmd(owner, '/title  After 😀 ');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({
          type: 'command',
          command: 'title',
          result: { title: 'After 😀' },
          message: expect.objectContaining({
            type: 'system',
            chatId: g,
            event: expect.objectContaining({ kind: 'renamed', title: 'After 😀' }),
          }),
        }),
      );
      expect((await chatDetail(member, g)).title).toBe('After 😀');
      expect((await historyOk(member, g)).items.at(-1)!.id).toBe(res.body.message.id);
      expectError(await cmd(owner, '/title'), 400, 'VALIDATION_FAILED');
      expectError(await cmd(owner, `/title ${'x'.repeat(101)}`), 400, 'VALIDATION_FAILED');
      const d = await direct(owner, member);
      expectError(await cmd(owner, '/title Direct', d), 403, 'FORBIDDEN');
    });

    it('/invite: 404 USER_NOT_FOUND for an unknown user, 403 for a plain member, adds for the owner', async () => {
      const seq = await dbLastSeq(g);
      expectError(await cmd(owner, `/invite @${third.username} @nobody_${Date.now()}`), 404, 'USER_NOT_FOUND');
      expectError(await cmd(member, `/invite @${third.username}`), 403, 'FORBIDDEN');
      expect(await dbLastSeq(g)).toBe(seq);
      expectError(await history(third, g), 404, 'CHAT_NOT_FOUND');
      const res = await cmd(owner, `/invite ${third.username.toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ userIds: [third.id] });
      expect(res.body.message).toEqual(
        expect.objectContaining({ type: 'system', event: expect.objectContaining({ kind: 'member_added', userIds: [third.id] }) }),
      );
      expect((await history(third, g)).status).toBe(200);
      expectError(await cmd(owner, '/invite'), 400, 'VALIDATION_FAILED');
    });

    it('/kick: 403 for a plain member, 400 on oneself, removes for the owner', async () => {
      expectError(await cmd(member, `/kick @${third.username}`), 403, 'FORBIDDEN');
      expectError(await cmd(owner, `/kick @${owner.username}`), 400, 'VALIDATION_FAILED');
      expectError(await cmd(owner, `/kick @nobody_${Date.now()}`), 404, 'USER_NOT_FOUND');
      const res = await cmd(owner, `/kick @${third.username}`);
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ userId: third.id });
      expect(res.body.message).toEqual(
        expect.objectContaining({ event: expect.objectContaining({ kind: 'member_removed', userIds: [third.id] }) }),
      );
      expectError(await history(third, g), 404, 'CHAT_NOT_FOUND');
      expectError(await cmd(owner, `/kick @${third.username}`), 404, 'MEMBER_NOT_FOUND');
      expectError(await cmd(third, '/help'), 404, 'CHAT_NOT_FOUND');
    });

    it('/pin and /unpin change only the caller’s list', async () => {
      const res = await cmd(member, '/pin');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ type: 'command', command: 'pin', result: { pinned: true }, message: null });
      const list = (await api().get('/api/chats').set(member.auth)).body.items as Msg[];
      expect(list[0]).toEqual(expect.objectContaining({ id: g, pinned: true, pinnedAt: expect.any(String) }));
      expect((await chatDetail(owner, g)).pinned).toBe(false);
      expect((await cmd(member, '/unpin')).body.result).toEqual({ pinned: false });
      expect((await chatDetail(member, g)).pinned).toBe(false);
    });

    it('// escapes a leading slash: "//x" is stored as the text "/x"', async () => {
      const res = await cmd(member, '//x');
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ type: 'text', text: '/x' }));
      const row = await svc.db.query('SELECT text FROM messages WHERE id = $1', [res.body.id]);
      expect(row.rows[0].text).toBe('/x');
      expect((await cmd(member, '//help')).body.text).toBe('/help');
    });

    it('an unknown command answers 400 UNKNOWN_COMMAND and stores nothing', async () => {
      const seq = await dbLastSeq(g);
      expectError(await cmd(member, '/frobnicate now'), 400, 'UNKNOWN_COMMAND');
      expectError(await cmd(member, '/'), 400, 'UNKNOWN_COMMAND');
      expect(await dbLastSeq(g)).toBe(seq);
    });

    it('/leave leaves the group with a system message; the leaver no longer sees the chat', async () => {
      const res = await cmd(member, '/leave');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({
          command: 'leave',
          result: { left: true },
          message: expect.objectContaining({ event: expect.objectContaining({ kind: 'member_left' }) }),
        }),
      );
      expectError(await api().get(`/api/chats/${g}`).set(member.auth), 404, 'CHAT_NOT_FOUND');
      expect(((await chatDetail(owner, g)).members as Msg[]).map((m) => m.user.id)).toEqual([owner.id]);
      expect((await historyOk(owner, g)).items.at(-1)!.event.kind).toBe('member_left');
    });

    it('commands are for members only (404)', async () => {
      const outsider = await registerUser(svc.url);
      expectError(await cmd(outsider, '/help'), 404, 'CHAT_NOT_FOUND');
    });
  });
});
