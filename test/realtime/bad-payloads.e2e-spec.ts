import { randomUUID } from 'node:crypto';
import { TestUser } from '../support/api';
import { useService } from '../support/service';
import { TestSocket } from '../support/sockets';
import { realtimeHelpers, REALTIME_ENV } from './support';

describe('realtime: bad payloads', () => {
  const svc = useService(REALTIME_ENV);
  const { api } = svc;
  const { open } = realtimeHelpers(svc);

  const MEGABYTE = 'x'.repeat(1_000_000);
  const uuid = randomUUID();
  const badFor: Record<string, unknown[]> = {
    'message:send': [
      { chatId: uuid, clientId: 'nope', text: 'x' },
      { chatId: uuid, clientId: uuid, text: 5 },
      { chatId: uuid, clientId: uuid, attachmentIds: 'a' },
      { chatId: uuid, clientId: uuid, text: MEGABYTE },
    ],
    'message:edit': [
      { chatId: uuid, seq: '1', text: 'x' },
      { chatId: uuid, seq: 0, text: 'x' },
      { chatId: uuid, seq: 1, text: MEGABYTE },
    ],
    'message:delete': [
      { chatId: uuid, seq: 1, scope: 'all' },
      { chatId: uuid, seq: -1 },
    ],
    'message:forward': [
      { chatId: uuid, fromChatId: uuid, seqs: [] },
      { chatId: uuid, fromChatId: uuid, seqs: Array<number>(101).fill(1) },
      { chatId: uuid, fromChatId: 7, seqs: [1] },
    ],
    'message:delivered': [{ chatId: uuid, seq: 1.5 }, { chatId: uuid }],
    'message:read': [
      { chatId: uuid, seq: 'x' },
      { chatId: uuid, seq: 2 ** 31 },
    ],
    'messages:history': [
      { chatId: uuid, limit: 0 },
      { chatId: uuid, before: 'abc' },
    ],
    'chat:pin': [{ chatId: uuid, pinned: 'true' }, { chatId: uuid }],
    'chat:delete': [{ chatId: MEGABYTE }, { id: uuid }],
    typing: [
      { chatId: uuid, isTyping: 1 },
      { chatId: uuid, isTyping: true, extra: MEGABYTE },
    ],
  };
  const everyType = ['a string', null, 42, true, [1, 2], [], {}, { chatId: 123 }, { chatId: uuid, unexpected: 1 }];

  let user: TestUser;
  let chatId: string;
  let socket: TestSocket;
  beforeAll(async () => {
    user = await api.newUser();
    chatId = (await api.newDirect(user, await api.newUser())).id;
    socket = await open(user);
  });

  it.each(Object.keys(badFor))('%s: every bad payload is answered ok:false with a 4xx, and the socket keeps working', async (event) => {
    for (const payload of [...everyType, ...badFor[event]]) {
      const ack = await socket.call(event, payload);
      if (ack.ok !== false || !(ack.error!.statusCode >= 400 && ack.error!.statusCode < 500) || typeof ack.error!.code !== 'string') {
        throw new Error(`${event} ${JSON.stringify(payload).slice(0, 100)} → ${JSON.stringify(ack)}`);
      }
      expect(typeof ack.error!.message).toBe('string');
      expect(ack.error!.message.length).toBeLessThan(1000);
    }
    // No payload at all, and two payloads.
    expect(await socket.call(event)).toMatchObject({ ok: false, error: { statusCode: 400 } });
    expect(await socket.call(event, { chatId }, { chatId })).toMatchObject({ ok: false, error: { statusCode: 400 } });
    expect(socket.socket.connected).toBe(true);
    expect(await socket.call('messages:history', { chatId })).toMatchObject({ ok: true, data: { items: [], hasMore: false } });
  });

  it('an event without an ack callback is still carried out, and crashes nothing', async () => {
    const peer = await api.newUser();
    const chat = (await api.newDirect(user, peer)).id;
    const p1 = await open(peer);
    socket.socket.emit('message:send', { chatId: chat, clientId: randomUUID(), text: 'fire and forget' });
    await p1.waitFor('message:new', (m) => m.text === 'fire and forget');
    socket.socket.emit('message:send', 'garbage');
    socket.socket.emit('typing');
    socket.socket.emit('chat:pin', null);
    expect(await socket.call('message:send', { chatId: chat, clientId: randomUUID(), text: 'still here' })).toMatchObject({ ok: true });
  });

  it('an unknown event is answered 400 UNKNOWN_EVENT', async () => {
    expect(await socket.call('message:explode', { chatId })).toMatchObject({
      ok: false,
      error: { statusCode: 400, code: 'UNKNOWN_EVENT' },
    });
  });

  it('a frame above 1 MiB closes only that connection; the service stays up', async () => {
    const victim = await open(user);
    const closed = victim.disconnected();
    victim.socket.emit('typing', { chatId, isTyping: true, pad: 'x'.repeat(1_100_000) });
    expect(await closed).toBe('transport close');
    expect(await socket.call('messages:history', { chatId })).toMatchObject({ ok: true });
  });
});
