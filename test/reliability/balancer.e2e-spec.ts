import { randomUUID } from 'node:crypto';
import { ok, TestUser } from '../support/api';
import { BalancedCluster, useBalancedCluster } from '../support/balancer';
import type { MessageDto } from '../support/contract';
import { TestSocket } from '../support/sockets';
import { ackWithin, sleep } from './support';

// A database number of its own on the shared Redis (the adapter's channels and presence keys).
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/9';

interface Sent {
  clientId: string;
  chatId: string;
  text: string;
  /** The id and seq of the first ok ack; every later ack of the same clientId must give the same. */
  acked: { id: string; seq: number } | null;
}

/**
 * A user's device as a careful client runs it, through the balancer: sends one message after the
 * other, and when its socket goes (its instance died or is restarting) connects again through the
 * balancer, catches up (`after=` the last seq it holds, per chat), and resends the message that had
 * no ack with the same clientId. It keeps what it holds per chat as seq → id.
 */
class Device {
  socket: TestSocket | null = null;
  readonly held = new Map<string, Map<number, string>>();
  /** A seq that came with two different ids (a double or a rewrite): must stay empty. */
  readonly conflicts: string[] = [];
  reconnects = 0;
  ackedSinceMark = 0;

  constructor(
    private readonly cluster: BalancedCluster,
    readonly user: TestUser,
    readonly chats: string[],
  ) {
    for (const chat of chats) this.held.set(chat, new Map());
  }

  private hold(m: Pick<MessageDto, 'chatId' | 'seq' | 'id'>): void {
    const chat = this.held.get(m.chatId)!;
    const before = chat.get(m.seq);
    if (before !== undefined && before !== m.id) this.conflicts.push(`${m.chatId} seq ${m.seq}: ${before} and ${m.id}`);
    chat.set(m.seq, m.id);
  }

  /** Connects through the balancer (pinned to an instance the first time), retrying while instances come and go. */
  async connect(pin?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const socket = await this.cluster.connect(this.user.accessToken, { pin });
        socket.socket.on('message:new', (m: MessageDto) => this.hold(m));
        this.socket = socket;
        return;
      } catch (err) {
        if (attempt >= 50) throw err;
        await sleep(200);
      }
    }
  }

  /** The sync point of a chat: the highest seq up to which it holds every message (live events can run ahead of it). */
  private syncPoint(chatId: string): number {
    const held = this.held.get(chatId)!;
    let seq = 0;
    while (held.has(seq + 1)) seq += 1;
    return seq;
  }

  /** Catch-up as docs/sync.md says: after the sync point, page by page, through the balancer. */
  async catchUp(): Promise<void> {
    for (const chatId of this.chats) {
      for (;;) {
        const after = this.syncPoint(chatId);
        const page = await this.cluster.api.history(this.user, chatId, { after, limit: 100 });
        if (page.status !== 200) {
          await sleep(200); // an instance going away mid-request: ask again
          continue;
        }
        for (const m of page.body.items) this.hold(m);
        if (!page.body.hasMore) break;
      }
    }
  }

  /** Sends until `stop()` says so; every message is acked in the end (resent after a reconnect). */
  async run(sent: Sent[], stop: () => boolean): Promise<void> {
    for (let i = 0; !stop(); i++) {
      const item: Sent = {
        clientId: randomUUID(),
        chatId: this.chats[i % this.chats.length],
        text: `${this.user.username} #${i}`,
        acked: null,
      };
      sent.push(item);
      while (!item.acked) {
        const socket = this.socket!;
        const lost = new Promise<'gone'>((resolve) => {
          if (!socket.socket.connected) resolve('gone');
          socket.socket.once('disconnect', () => resolve('gone'));
        });
        const ack = await Promise.race([
          ackWithin(socket, 10_000, 'message:send', { chatId: item.chatId, clientId: item.clientId, text: item.text }),
          lost,
        ]);
        if (ack !== 'gone' && ack.ok) {
          item.acked = { id: ack.data.id, seq: ack.data.seq };
          this.hold(ack.data);
          this.ackedSinceMark += 1;
          // A steady pace (about 40 messages/s per device), so that the restarts are not starved of CPU on a small machine.
          await sleep(25);
          break;
        }
        // No ack: the instance went away (or the ack was lost). Reconnect, catch up, resend the same clientId.
        socket.close();
        this.reconnects += 1;
        await this.connect();
        await this.catchUp();
      }
    }
  }
}

/**
 * Three instances behind HAProxy while six users send as fast as their acks come back: one instance
 * is killed, then all three are restarted one by one. Each time: the clients of the instance that
 * went reconnect through the balancer, catch up and resend; nothing acknowledged is lost or doubled.
 */
describe('three instances behind HAProxy: a crash and a rolling restart under traffic', () => {
  const cluster = useBalancedCluster({ env: { REDIS_URL } });
  let users: TestUser[];
  let chatsOf: Map<string, string[]>;

  beforeAll(async () => {
    const { api } = cluster();
    users = await api.newUsers(6);
    const [a, b, c, d, e, f] = users;
    const chats = [
      await api.newGroup(a, [b, c, d, e, f], 'all'),
      await api.newGroup(b, [c, d], 'bcd'),
      await api.newDirect(a, f),
      await api.newDirect(c, e),
      await api.newDirect(d, f),
    ];
    chatsOf = new Map();
    for (const chat of chats) for (const m of chat.members) chatsOf.set(m.user.id, [...(chatsOf.get(m.user.id) ?? []), chat.id]);
  });

  /** Six devices, two on each instance, sending until `disrupt` has run and each acked `after` more. */
  async function underTraffic(disrupt: (devices: Device[]) => Promise<void>, after = 15) {
    const devices = users.map((u) => new Device(cluster(), u, chatsOf.get(u.id)!));
    for (const [i, d] of devices.entries()) {
      await d.connect(`app${(i % 3) + 1}`);
      await d.catchUp();
    }
    const sent: Sent[] = [];
    let done = false;
    let failure: Error | undefined;
    const loops = devices.map((d) =>
      d
        .run(sent, () => done || failure !== undefined)
        .catch((err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
        }),
    );
    const until = async (condition: () => boolean) => {
      while (!condition()) {
        if (failure !== undefined) throw failure;
        await sleep(20);
      }
    };
    await until(() => sent.filter((s) => s.acked).length >= 120);
    await disrupt(devices);
    for (const d of devices) d.ackedSinceMark = 0;
    await until(() => devices.every((d) => d.ackedSinceMark >= after));
    done = true;
    await Promise.all(loops);
    if (failure !== undefined) throw failure;
    for (const d of devices) await d.catchUp();
    await check(devices, sent);
    for (const d of devices) {
      expect(d.socket!.socket.connected).toBe(true);
      d.socket!.close();
    }
    return { devices, sent };
  }

  /** The crash test's invariants, plus: every device holds exactly what the database holds. */
  async function check(devices: Device[], sent: Sent[]) {
    const { db } = cluster();
    const rows = (
      await db.query<{ client_id: string; id: string; seq: number; chat_id: string }>(
        'SELECT client_id, id, seq, chat_id FROM messages WHERE client_id = ANY($1::uuid[])',
        [sent.map((s) => s.clientId)],
      )
    ).rows;
    const stored = new Map(rows.map((r) => [r.client_id, r]));
    // Every clientId exactly once, with the id and seq its ack gave.
    expect(rows.length).toBe(sent.length);
    for (const s of sent) expect(stored.get(s.clientId)).toMatchObject({ ...s.acked, chat_id: s.chatId });

    const perChat = (
      await db.query<{ chat_id: string; n: number; hi: number; last_seq: number }>(
        `SELECT m.chat_id, count(*)::int AS n, max(m.seq) AS hi, c.last_seq FROM messages m JOIN chats c ON c.id = m.chat_id GROUP BY m.chat_id, c.last_seq`,
      )
    ).rows;
    for (const c of perChat) expect(c).toEqual({ ...c, hi: c.n, last_seq: c.n });

    const all = (await db.query<{ chat_id: string; seq: number; id: string }>('SELECT chat_id, seq, id FROM messages')).rows;
    for (const d of devices) {
      expect(d.conflicts).toEqual([]);
      for (const chatId of d.chats) {
        const expected = new Map(all.filter((r) => r.chat_id === chatId).map((r) => [r.seq, r.id]));
        expect(d.held.get(chatId)).toEqual(expected);
      }
    }
  }

  it('an instance killed with SIGKILL: its clients reconnect through the balancer to the others, catch up, nothing lost or doubled', async () => {
    const { devices, sent } = await underTraffic(async () => {
      expect(await cluster().instance('app2').stop('SIGKILL')).toBeNull();
    });
    // The two devices that were on app2 came back through the balancer; the others never left.
    expect(devices.map((d) => d.reconnects > 0)).toEqual([false, true, false, false, true, false]);
    console.log(`balancer crash: ${sent.length} messages, reconnects ${devices.map((d) => d.reconnects).join(',')}`);

    // The killed instance starts again and the balancer sends to it once its checks pass.
    await cluster().instance('app2').start();
    await cluster().haproxy.waitFor('app2', 'UP');
    const res = ok(await cluster().api.history(users[0], chatsOf.get(users[0].id)![0], { limit: 1 }));
    expect(res.items).toHaveLength(1);
  }, 120_000);

  it('a graceful rolling restart of all three (SIGTERM, start again, next) drops nothing and clients end connected', async () => {
    const { devices, sent } = await underTraffic(async () => {
      for (const instance of cluster().instances) {
        expect(await instance.stop('SIGTERM')).toBe(0);
        await cluster().haproxy.waitFor(instance.name, 'DOWN');
        await instance.start();
        await cluster().haproxy.waitFor(instance.name, 'UP');
        // Some traffic on the instances that are up before the next one goes.
        await sleep(500);
      }
    });
    // Every device lost its instance at least once (the one it was on was restarted).
    for (const d of devices) expect(d.reconnects).toBeGreaterThan(0);
    console.log(`balancer rolling restart: ${sent.length} messages, reconnects ${devices.map((d) => d.reconnects).join(',')}`);
  }, 240_000);
});
