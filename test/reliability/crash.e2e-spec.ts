import { randomUUID } from 'node:crypto';
import { TestUser } from '../support/api';
import { anyString } from '../support/matchers';
import { useService } from '../support/service';
import { connectSocket, TestSocket } from '../support/sockets';
import { ackWithin, sleep, within } from './support';

interface Sent {
  clientId: string;
  chatId: string;
  text: string;
  user: TestUser;
  /** The seq and id of the ack before the kill, if one came. */
  acked: { id: string; seq: number } | null;
}

/**
 * The server is killed (SIGKILL) while five users send as fast as their acks come back, then
 * started again on the same database and port. The clients resend every message that had no ack,
 * plus some that had one, with the same clientId. Nothing is lost, nothing is doubled, no seq gap.
 */
describe('crash: SIGKILL mid-stream, restart, clients resend', () => {
  const service = useService();
  const { api } = service;
  let users: TestUser[];
  const chatsOf = new Map<string, string[]>(); // userId → chat ids
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    users = await api.newUsers(5);
    const [a, b, c, d, e] = users;
    const chats = [
      await api.newGroup(a, [b, c, d, e], 'all'),
      await api.newGroup(b, [c, d], 'bcd'),
      await api.newDirect(a, e),
      await api.newDirect(c, d),
    ];
    for (const chat of chats) {
      expect(chat.id).toEqual(anyString());
      for (const m of chat.members) chatsOf.set(m.user.id, [...(chatsOf.get(m.user.id) ?? []), chat.id]);
    }
  });

  afterAll(() => {
    for (const s of sockets) s.close();
  });

  it('every clientId once, seq 1..N without gaps, every acknowledged message kept', async () => {
    const sent: Sent[] = [];
    let killed = false;

    // Two devices per user; each sends its next message as soon as the previous one is acknowledged.
    const device = async (user: TestUser, socket: TestSocket, n: number) => {
      const lost = new Promise<'gone'>((ok) => socket.socket.once('disconnect', () => ok('gone')));
      const chats = chatsOf.get(user.id)!;
      for (let i = 0; !killed; i++) {
        const item: Sent = {
          clientId: randomUUID(),
          chatId: chats[(i + n) % chats.length],
          text: `${user.username} d${n} #${i}`,
          user,
          acked: null,
        };
        sent.push(item);
        const ack = await Promise.race([
          ackWithin(socket, 15_000, 'message:send', { chatId: item.chatId, clientId: item.clientId, text: item.text }),
          lost,
        ]);
        if (ack === 'gone' || ack.timeout) return;
        expect(ack).toMatchObject({ ok: true });
        item.acked = { id: ack.data.id, seq: ack.data.seq };
      }
    };
    for (const user of users) for (let n = 0; n < 2; n++) sockets.push(await connectSocket(service.url, user.accessToken));
    const loops = sockets.map((s, i) => device(users[Math.floor(i / 2)], s, i % 2));

    // Let traffic build up, then kill the process mid-stream.
    const deadline = Date.now() + 20_000;
    while (sent.filter((s) => s.acked).length < 300 && Date.now() < deadline) await sleep(20);
    killed = true;
    expect(await service.stop('SIGKILL')).toBeNull();
    expect(await within(Promise.all(loops), 20_000, 'stuck')).not.toBe('stuck');
    for (const s of sockets.splice(0)) s.close();

    const ackedBeforeKill = sent.filter((s) => s.acked).length;
    const unacked = sent.filter((s) => !s.acked);
    // What the dead process committed without answering: the resend must not store it again.
    const committedUnacked = (
      await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE client_id = ANY($1::uuid[])', [
        unacked.map((s) => s.clientId),
      ])
    ).rows[0].n;

    // Start again on the same database and port; the clients reconnect and resend.
    await service.restart();
    const resendAcked = sent.filter((s, i) => s.acked && i % 4 === 0);
    const toResend = [...unacked, ...resendAcked];
    const fresh = new Map<string, TestSocket>();
    for (const user of users) {
      const s = await connectSocket(service.url, user.accessToken);
      sockets.push(s);
      fresh.set(user.id, s);
    }
    const answers = await Promise.all(
      toResend.map(async (item, i) => {
        if (i % 3 === 0) {
          // Some over REST: a retry of a stored message is 200 with the message first stored.
          const res = await api.send(item.user, item.chatId, { clientId: item.clientId, text: item.text });
          expect([200, 201]).toContain(res.status);
          return { item, id: res.body.id, seq: res.body.seq, created: res.status === 201 };
        }
        const ack = await fresh.get(item.user.id)!.call('message:send', { chatId: item.chatId, clientId: item.clientId, text: item.text });
        expect(ack).toMatchObject({ ok: true });
        return { item, id: ack.data.id, seq: ack.data.seq, created: null };
      }),
    );
    for (const a of answers) {
      // A message acknowledged before the crash comes back the same: same id, same seq.
      if (a.item.acked) expect({ id: a.id, seq: a.seq }).toEqual(a.item.acked);
      if (a.item.acked && a.created !== null) expect(a.created).toBe(false);
    }

    // The database: every clientId exactly once, and seq 1..N per chat.
    const rows = (
      await service.db.query<{ client_id: string; n: number }>(
        'SELECT client_id, count(*)::int AS n FROM messages WHERE client_id IS NOT NULL GROUP BY client_id',
      )
    ).rows;
    const counts = new Map(rows.map((r) => [r.client_id, r.n]));
    const duplicates = rows.filter((r) => r.n > 1).length;
    const missing = sent.filter((s) => counts.get(s.clientId) !== 1);
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    expect(rows.length).toBe(sent.length);

    const perChat = (
      await service.db.query<{ chat_id: string; n: number; lo: number; hi: number; distinct_seqs: number; last_seq: number }>(
        `SELECT m.chat_id, count(*)::int AS n, min(m.seq) AS lo, max(m.seq) AS hi, count(DISTINCT m.seq)::int AS distinct_seqs, c.last_seq
           FROM messages m JOIN chats c ON c.id = m.chat_id GROUP BY m.chat_id, c.last_seq`,
      )
    ).rows;
    expect(perChat.length).toBe(4);
    for (const c of perChat) expect(c).toEqual({ ...c, lo: 1, hi: c.n, distinct_seqs: c.n, last_seq: c.n });

    // Every acknowledged message is there, with the seq its ack gave.
    const stored = new Map(
      (
        await service.db.query<{ client_id: string; id: string; seq: number; text: string }>(
          'SELECT client_id, id, seq, text FROM messages WHERE client_id IS NOT NULL',
        )
      ).rows.map((r) => [r.client_id, r]),
    );
    for (const s of sent.filter((x) => x.acked))
      expect(stored.get(s.clientId)).toMatchObject({ id: s.acked!.id, seq: s.acked!.seq, text: s.text });

    console.log(
      `crash: messages sent ${sent.length}, acked before the kill ${ackedBeforeKill}, in flight at the kill ${unacked.length} ` +
        `(of which committed without an ack ${committedUnacked}), resent ${toResend.length} (${unacked.length} unacked + ${resendAcked.length} acked), ` +
        `duplicates found ${duplicates}`,
    );
  }, 90_000);
});
