import { randomUUID } from 'node:crypto';
import type { Socket as NetSocket } from 'node:net';
import { ok } from '../support/api';
import type { MessageDto } from '../support/contract';
import { anyString } from '../support/matchers';
import { useService } from '../support/service';
import type { TestSocket } from '../support/sockets';
import { realtimeHelpers, REALTIME_ENV, sendOver } from './support';

const CAP_BYTES = 256 * 1024;

/** The TCP connection under a socket.io-client socket (websocket transport, Node's `ws`). */
function tcpOf(client: TestSocket): NetSocket {
  const transport = client.socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } };
  return transport.ws._socket;
}

describe('realtime: a client that stops reading its socket', () => {
  jest.setTimeout(120_000);
  const svc = useService({ ...REALTIME_ENV, SEND_RATE_PER_SECOND: '0', SOCKET_OUTBOUND_MAX_BYTES: String(CAP_BYTES) });
  const { api } = svc;
  const { open } = realtimeHelpers(svc);

  it('is disconnected with SLOW_READER once its queue passes the cap, typing dropped first; others keep receiving; REST has every acked message', async () => {
    const [alice, bob, carol] = await api.newUsers(3);
    const chatId = (await api.newDirect(alice, bob)).id;
    const carolChat = (await api.newDirect(alice, carol)).id;
    const a1 = await open(alice);
    const b1 = await open(bob);
    const c1 = await open(carol);
    const bobClosed = new Promise<string>((resolve) => b1.socket.once('disconnect', resolve));

    const bobTcp = tcpOf(b1);
    bobTcp.pause(); // bob's client reads nothing more: the kernel's buffers fill, then the server's queue
    const text = 'x'.repeat(4000);
    const acked: MessageDto[] = [];
    // Messages and typing to bob, until the server closes bob's socket: bob turns offline for alice.
    const bobOffline = () =>
      a1.received.some(
        (r) =>
          r.event === 'presence' &&
          (r.data as { userId: string; online: boolean }).userId === bob.id &&
          !(r.data as { online: boolean }).online,
      );
    for (let round = 0; round < 400 && !bobOffline(); round++) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, async () => {
          const ack = await a1.call('message:send', { chatId, clientId: randomUUID(), text });
          expect(ack.ok).toBe(true);
          expect(await a1.call('typing', { chatId, isTyping: true })).toMatchObject({ ok: true });
          return ack.data;
        }),
      );
      acked.push(...batch);
    }
    expect(bobOffline()).toBe(true);

    // Carol, another user of the same sender, still gets what alice sends.
    const toCarol = await sendOver(a1, carolChat, 'still here');
    expect(await c1.waitFor('message:new', (m) => m.id === toCarol.id)).toMatchObject({ text: 'still here' });

    bobTcp.resume(); // bob reads again: what the connection held, the reason, the disconnect
    expect(await b1.waitFor('server:closing', () => true, 30_000)).toEqual({ reason: 'SLOW_READER', message: anyString() });
    expect(await bobClosed).toBe('io server disconnect');

    const events = b1.received.map((r) => r.event);
    const got = b1.received.filter((r) => r.event === 'message:new').map((r) => r.data as MessageDto);
    // The cap held: far from everything acked reached bob's socket.
    expect(got.length).toBeLessThan(acked.length);
    // Typing went first: once half the cap was waiting, only messages were queued, and what was
    // queued reached bob before the notice; that half holds about CAP/2 / 4 KB messages.
    const lastTyping = events.lastIndexOf('typing');
    const messagesAfterTyping = events.slice(lastTyping + 1).filter((e) => e === 'message:new').length;
    expect(lastTyping).toBeGreaterThanOrEqual(0);
    expect(messagesAfterTyping).toBeGreaterThanOrEqual(Math.floor(CAP_BYTES / 2 / text.length / 2));

    // Catching up as after any reconnect (docs/sync.md): history after the last seq held without a gap.
    await open(bob);
    const held = got.map((m) => m.seq).sort((x, y) => x - y);
    let syncPoint = 0;
    for (const seq of held) if (seq === syncPoint + 1) syncPoint = seq;
    const have = new Set(got.filter((m) => m.seq <= syncPoint).map((m) => m.id));
    let hasMore = true;
    while (hasMore) {
      const page = ok(await api.history(bob, chatId, { after: String(syncPoint), limit: '100' }), 200);
      for (const m of page.items) have.add(m.id);
      hasMore = page.hasMore;
      if (page.items.length) syncPoint = page.items[page.items.length - 1].seq;
    }
    expect(acked.filter((m) => !have.has(m.id))).toEqual([]);
  });
});
