import { randomUUID } from 'node:crypto';
import { expectError, TestUser } from '../support/api';
import { useService } from '../support/service';
import { TestSocket, useSockets } from '../support/sockets';

interface Answer {
  transport: 'rest' | 'socket';
  member: number;
  clientId: string;
  text: string;
  ok: boolean;
}

/**
 * Admission control of the send path: one statement in flight and room for one send waiting
 * (SEND_QUEUE_MAX=1), so a burst of concurrent sends overflows the queue. What does not fit is
 * refused at once with 503 OVERLOADED, the contract's error body and when to retry (REST: the
 * Retry-After header; socket acks: `details: [{ retryAfter }]`); nothing refused is stored, nothing
 * acknowledged is lost, and a retry with the same clientId stores a refused send once.
 */
describe('send overload (real service, real PostgreSQL)', () => {
  const svc = useService({ SEND_STATEMENTS_IN_FLIGHT: '1', SEND_QUEUE_MAX: '1', SEND_RATE_PER_SECOND: '0' });
  const { api } = svc;
  const sockets = useSockets();
  let members: TestUser[];
  let groupId: string;
  let open: TestSocket[];

  beforeAll(async () => {
    members = await api.newUsers(10);
    groupId = (await api.newGroup(members[0], members.slice(1), 'Busy')).id;
    open = await Promise.all(members.map((m) => sockets.open(svc, m)));
  });

  /** One burst: every member sends 6 over REST and 3 over its socket, all at once. */
  async function burst(round: number): Promise<Answer[]> {
    const rest = members.flatMap((m, i) =>
      Array.from({ length: 6 }, async (_, k): Promise<Answer> => {
        const clientId = randomUUID();
        const text = `rest ${round}.${i}.${k}`;
        const res = await api.send(m, groupId, { clientId, text });
        if (res.status === 201) return { transport: 'rest', member: i, clientId, text, ok: true };
        const body = expectError(res, 503, 'OVERLOADED');
        expect(body.details).toEqual([{ retryAfter: 1 }]);
        expect(res.headers['retry-after']).toBe('1');
        return { transport: 'rest', member: i, clientId, text, ok: false };
      }),
    );
    const overSockets = open.flatMap((socket, i) =>
      Array.from({ length: 3 }, async (_, k): Promise<Answer> => {
        const clientId = randomUUID();
        const text = `socket ${round}.${i}.${k}`;
        const ack = await socket.call('message:send', { chatId: groupId, clientId, text });
        if (ack.ok) return { transport: 'socket', member: i, clientId, text, ok: true };
        expect(ack).toEqual({
          ok: false,
          error: { statusCode: 503, code: 'OVERLOADED', message: expect.any(String) as string, details: [{ retryAfter: 1 }] },
        });
        return { transport: 'socket', member: i, clientId, text, ok: false };
      }),
    );
    return Promise.all([...rest, ...overSockets]);
  }

  const storedRows = async () =>
    (
      await svc.db.query<{ client_id: string; text: string; seq: number }>(
        'SELECT client_id, text, seq FROM messages WHERE chat_id = $1 AND client_id IS NOT NULL ORDER BY seq',
        [groupId],
      )
    ).rows;

  it('refuses what does not fit at once (503 OVERLOADED, Retry-After) on both transports, stores every acked send once and no refused one', async () => {
    const answers: Answer[] = [];
    // Arrivals are up to the machine: burst until both transports have seen a refusal (a few bursts at most).
    for (let round = 0; round < 8; round++) {
      answers.push(...(await burst(round)));
      const refused = (t: Answer['transport']) => answers.some((a) => a.transport === t && !a.ok);
      if (refused('rest') && refused('socket')) break;
    }
    expect(answers.some((a) => a.transport === 'rest' && !a.ok)).toBe(true);
    expect(answers.some((a) => a.transport === 'socket' && !a.ok)).toBe(true);
    expect(answers.some((a) => a.ok)).toBe(true);

    const rows = await storedRows();
    const acked = answers.filter((a) => a.ok);
    expect(rows.map((r) => r.client_id).sort()).toEqual(acked.map((a) => a.clientId).sort());
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => rows[0].seq + i));

    // The refused sends, retried one at a time with their clientIds, are stored once each; an acked
    // one retried answers the message first stored.
    const senderOf = (a: Answer) => members[a.member];
    for (const a of answers.filter((x) => !x.ok)) {
      const res = await api.send(senderOf(a), groupId, { clientId: a.clientId, text: a.text });
      expect(res.status).toBe(201);
    }
    const again = acked[0];
    const retry = await api.send(senderOf(again), groupId, { clientId: again.clientId, text: again.text });
    expect(retry.status).toBe(200);

    // History, as a member reads it: every send exactly once.
    const texts: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await api.get<{ items: Array<{ text: string | null; seq: number }>; hasMore: boolean }>(
        `/api/chats/${groupId}/messages`,
        members[1],
        before ? { limit: 100, before } : { limit: 100 },
      );
      expect(page.status).toBe(200);
      texts.push(...page.body.items.map((m) => m.text ?? ''));
      if (!page.body.hasMore || !page.body.items.length) break;
      before = page.body.items[0].seq;
    }
    const sent = answers.map((a) => a.text).sort();
    expect(texts.filter((t) => t.startsWith('rest ') || t.startsWith('socket ')).sort()).toEqual(sent);
  });
});

/**
 * Admission by age (SEND_WAIT_MAX_MS): a socket's events run one at a time, so under overload its
 * sends wait behind each other, not in the statement queue. A send that has waited longer than
 * the bound is refused with OVERLOADED instead of run, so every send is answered in bounded time.
 * With a 1 ms bound, a burst on one socket: the first send runs at once, those behind it waited
 * longer than 1 ms for their turn.
 */
describe('send overload: a send that waited too long for its turn (real service)', () => {
  const svc = useService({ SEND_WAIT_MAX_MS: '1', SEND_RATE_PER_SECOND: '0' });
  const { api } = svc;
  const sockets = useSockets();

  it('is refused with OVERLOADED and a retry hint, is not stored, and goes through when retried; the first is stored', async () => {
    const [alice, bob] = await api.newUsers(2);
    const chatId = (await api.newDirect(alice, bob)).id;
    const socket = await sockets.open(svc, alice);
    const sends = Array.from({ length: 30 }, (_, i) => ({ chatId, clientId: randomUUID(), text: `burst ${i}` }));
    const acks = await Promise.all(sends.map((s) => socket.call('message:send', s)));

    expect(acks[0].ok).toBe(true);
    const refused = sends.filter((_, i) => !acks[i].ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const ack of acks.filter((a) => !a.ok))
      expect(ack).toEqual({
        ok: false,
        error: { statusCode: 503, code: 'OVERLOADED', message: expect.any(String) as string, details: [{ retryAfter: 1 }] },
      });

    const history = async () => (await api.history(bob, chatId, { limit: '50' })).body.items.map((m) => m.text);
    expect(await history()).toEqual(sends.filter((_, i) => acks[i].ok).map((s) => s.text));

    // Retried one at a time (nothing waits), each refused send is stored once.
    for (const s of refused) expect(await socket.call('message:send', s)).toMatchObject({ ok: true });
    expect((await history()).sort()).toEqual(sends.map((s) => s.text).sort());
  });
});
