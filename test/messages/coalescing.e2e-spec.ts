import { randomUUID } from 'node:crypto';
import { expectError, TestUser } from '../support/api';
import { useService } from '../support/service';
import { StatementRecorder } from '../support/statement-recorder';

/**
 * One send statement in flight (SEND_STATEMENTS_IN_FLIGHT=1): concurrent sends queue and are stored
 * together, many per statement. Every rule of a single send must still hold for each of them.
 */
describe('coalesced sends (real service, real PostgreSQL)', () => {
  const svc = useService({ SEND_STATEMENTS_IN_FLIGHT: '1' });
  const { api } = svc;
  let members: TestUser[];
  let outsider: TestUser;
  let groupId: string;
  let directId: string;

  beforeAll(async () => {
    [outsider, ...members] = await api.newUsers(12);
    groupId = (await api.newGroup(members[0], members.slice(1), 'Batch')).id;
    directId = (await api.newDirect(members[0], members[1])).id;
  });

  const send = (u: TestUser, chatId: string, clientId = randomUUID(), text = `from ${u.username}`) =>
    api.send(u, chatId, { clientId, text });
  const lastSeq = async (chatId: string) =>
    (await svc.db.query<{ last_seq: number }>(`SELECT last_seq FROM chats WHERE id = $1`, [chatId])).rows[0].last_seq;

  it('stores every concurrent send once, with gap-free seqs per chat, and answers each on its own', async () => {
    const retried = randomUUID();
    const requests = [
      // Many members of two chats at once…
      ...members.flatMap((m, i) => [send(m, groupId), send(m, groupId), ...(i < 2 ? [send(m, directId)] : [])]),
      // …a non-member in the middle…
      send(outsider, groupId),
      send(outsider, directId),
      // …and the same clientId twice, racing.
      send(members[3], groupId, retried, 'retried'),
      send(members[3], groupId, retried, 'retried'),
    ];
    const answers = await Promise.all(requests);

    const memberAnswers = answers.slice(0, answers.length - 4);
    expect(memberAnswers.map((r) => r.status)).toEqual(memberAnswers.map(() => 201));
    // The non-member's two sends.
    for (const res of answers.slice(-4, -2)) expectError(res, 404, 'CHAT_NOT_FOUND');
    const [first, second] = answers.slice(-2);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.id).toBe(second.body.id);

    for (const chatId of [groupId, directId]) {
      const { rows } = await svc.db.query<{ seq: number; client_id: string | null }>(
        `SELECT seq, client_id FROM messages WHERE chat_id = $1 ORDER BY seq`,
        [chatId],
      );
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(await lastSeq(chatId)).toBe(rows.length);
      const clientIds = rows.map((r) => r.client_id).filter(Boolean);
      expect(new Set(clientIds).size).toBe(clientIds.length);
    }
    // Each answer is the stored message: its seq and id match the row of its clientId.
    for (const res of memberAnswers) {
      const { rows } = await svc.db.query(`SELECT id, seq, sender_id FROM messages WHERE client_id = $1`, [res.body.clientId]);
      expect(rows).toEqual([{ id: res.body.id, seq: res.body.seq, sender_id: res.body.senderId }]);
      expect(res.body.status).toBe('sent');
    }
    const outsiderRows = await svc.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE sender_id = $1`, [outsider.id]);
    expect(outsiderRows.rows[0].n).toBe(0);
  });

  it('stores a burst of valid sends to several chats together, each answered with its own message', async () => {
    const before = Number(await lastSeq(groupId));
    const answers = await Promise.all(
      members.flatMap((m, i) => [send(m, groupId), send(m, groupId), ...(i < 2 ? [send(m, directId)] : [])]),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
    const groupSeqs = answers
      .filter((r) => r.body.chatId === groupId)
      .map((r) => r.body.seq)
      .sort((a, b) => a - b);
    expect(groupSeqs).toEqual(groupSeqs.map((_, i) => before + 1 + i));
    const stored = await svc.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE chat_id = $1 AND seq > $2`, [
      groupId,
      before,
    ]);
    expect(stored.rows[0].n).toBe(members.length * 2);
    // Everyone else in the group sees them in the history, in seq order.
    const history = await api.history(outsider, groupId, { after: before, limit: 100 });
    expect(history.status).toBe(404);
    const seen = await api.history(members[5], groupId, { after: before, limit: 100 });
    expect(seen.body.items.map((m) => m.seq)).toEqual(groupSeqs);
  });

  it('keeps one sender’s order: sequential sends get rising seqs', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await send(members[2], groupId)).body.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(5);
  });
});

/**
 * Under load, statements start at most once per SEND_LINGER_MS, each with every send queued
 * meanwhile: fewer, fuller commits. A send on an idle instance still goes at once, alone.
 */
describe('send linger (real service, statements counted on the wire)', () => {
  const recorder = new StatementRecorder();
  // A long linger, so that a burst surely arrives within it whatever the machine's speed.
  const svc = useService({ SEND_LINGER_MS: '1500' }, { connectVia: (databaseUrl) => recorder.proxy(databaseUrl) });
  const { api } = svc;
  afterAll(() => recorder.close());
  const sendStatements = () => recorder.statements.filter((s) => s.startsWith('WITH input AS')).length;

  it('stores a burst that follows a send in one statement, each send answered with its own message', async () => {
    const users = await api.newUsers(6);
    const chatId = (await api.newGroup(users[0], users.slice(1), 'Linger')).id;
    recorder.statements.length = 0;
    const first = await api.send(users[0], chatId, { clientId: randomUUID(), text: 'first' });
    expect(first.status).toBe(201);
    expect(sendStatements()).toBe(1);

    const answers = await Promise.all(
      users.flatMap((u) => [1, 2].map((n) => api.send(u, chatId, { clientId: randomUUID(), text: `${u.username} ${n}` }))),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
    expect(sendStatements()).toBe(2);
    const seqs = answers.map((r) => r.body.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => first.body.seq + 1 + i));
    const seen = await api.history(users[3], chatId, { after: first.body.seq, limit: 100 });
    expect(seen.body.items.map((m) => m.text).sort()).toEqual(answers.map((r) => r.body.text).sort());
  });
});
