import { randomUUID } from 'node:crypto';
import { ok } from '../support/api';
import { anyString, containing } from '../support/matchers';
import { useService } from '../support/service';
import { realtimeHelpers, REALTIME_ENV, sendOver } from './support';

describe('realtime: messages over sockets', () => {
  const svc = useService(REALTIME_ENV);
  const { api } = svc;
  const { open, pairWithTwoDevices } = realtimeHelpers(svc);

  it('message:send: acked after the commit; the peer gets status null, the other device the sender’s view, the sending socket nothing', async () => {
    const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
    const clientId = randomUUID();
    const ack = await a1.call('message:send', { chatId, clientId, text: 'hello' });
    expect(ack.ok).toBe(true);
    expect(ack.data).toMatchObject({
      chatId,
      seq: 1,
      senderId: alice.id,
      type: 'text',
      text: 'hello',
      clientId,
      status: 'sent',
      deleted: false,
    });
    // Durable by the time of the ack.
    const stored = await svc.db.query('SELECT text FROM messages WHERE id = $1', [ack.data.id]);
    expect(stored.rows).toEqual([{ text: 'hello' }]);

    const onOtherDevice = await a2.waitFor('message:new', (m) => m.id === ack.data.id);
    expect(onOtherDevice).toEqual(ack.data);
    const atPeer = await b1.waitFor('message:new', (m) => m.id === ack.data.id);
    expect(atPeer).toEqual({ ...ack.data, status: null });
    await a1.nothing('message:new');
  });

  it('a retry with the same clientId answers the first message and announces nothing new', async () => {
    const { chatId, a1, b1 } = await pairWithTwoDevices();
    const clientId = randomUUID();
    const first = await a1.call('message:send', { chatId, clientId, text: 'once' });
    const again = await a1.call('message:send', { chatId, clientId, text: 'once' });
    expect(again).toEqual({ ok: true, data: first.data });
    await b1.waitFor('message:new', (m) => m.id === first.data.id);
    await b1.nothing('message:new');
  });

  it('a message sent over REST reaches every socket of every member', async () => {
    const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
    const res = await api.send(alice, chatId, { text: 'via rest' });
    expect(res.status).toBe(201);
    for (const s of [a1, a2]) expect(await s.waitFor('message:new', (m) => m.id === res.body.id)).toMatchObject({ status: 'sent' });
    expect(await b1.waitFor('message:new', (m) => m.id === res.body.id)).toMatchObject({ status: null, text: 'via rest' });
  });

  it('messages sent in a row on one socket get seqs in that order', async () => {
    const { chatId, a1 } = await pairWithTwoDevices();
    const acks = await Promise.all(
      ['1', '2', '3', '4', '5'].map((text) => a1.call('message:send', { chatId, clientId: randomUUID(), text })),
    );
    expect(acks.map((a) => [a.data.text, a.data.seq])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
      ['5', 5],
    ]);
  });

  it('receipts: delivered and read reach the sender’s sockets live', async () => {
    const { alice, bob, chatId, a1, a2, b1 } = await pairWithTwoDevices();
    const message = await sendOver(a1, chatId, 'did you get it?');
    await b1.waitFor('message:new', (m) => m.id === message.id);

    expect(await b1.call('message:delivered', { chatId, seq: message.seq })).toEqual({ ok: true, data: null });
    const delivered = { chatId, userId: bob.id, type: 'delivered', seq: message.seq };
    expect(await a1.waitFor('receipt', (r) => r.type === 'delivered')).toEqual(delivered);
    expect(await a2.waitFor('receipt', (r) => r.type === 'delivered')).toEqual(delivered);

    expect(await b1.call('message:read', { chatId, seq: message.seq })).toEqual({ ok: true, data: null });
    expect(await a1.waitFor('receipt', (r) => r.type === 'read')).toEqual({ ...delivered, type: 'read' });
    const history = ok(await api.history(alice, chatId));
    expect(history.items.at(-1)).toMatchObject({ id: message.id, status: 'read' });

    // Cursors only move forward: a lower value is accepted and tells nobody.
    expect(await b1.call('message:read', { chatId, seq: 0 })).toEqual({ ok: true, data: null });
    await a1.nothing('receipt', (r) => r.userId === bob.id);
  });

  it('message:edit and message:delete (everyone) send message:updated; delete for me tells nobody', async () => {
    const { chatId, a1, a2, b1 } = await pairWithTwoDevices();
    const message = await sendOver(a1, chatId, 'typo');
    const edited = await a1.call('message:edit', { chatId, seq: message.seq, text: 'fixed' });
    expect(edited).toEqual({
      ok: true,
      data: containing({ id: message.id, text: 'fixed', editedAt: anyString(), status: 'sent' }),
    });
    expect(await b1.waitFor('message:updated', (m) => m.text === 'fixed')).toEqual({ ...edited.data, status: null });
    expect(await a2.waitFor('message:updated', (m) => m.text === 'fixed')).toEqual(edited.data);
    await a1.nothing('message:updated');

    expect(await b1.call('message:delete', { chatId, seq: message.seq, scope: 'me' })).toEqual({ ok: true, data: null });
    await a1.nothing('message:updated');

    expect(await a1.call('message:delete', { chatId, seq: message.seq, scope: 'everyone' })).toEqual({ ok: true, data: null });
    const tombstone = await a2.waitFor('message:updated', (m) => m.deleted);
    expect(tombstone).toMatchObject({ id: message.id, deleted: true, text: null, attachments: [] });

    const other = await sendOver(a1, chatId, 'mine only');
    expect(await b1.call('message:edit', { chatId, seq: other.seq, text: 'hijack' })).toMatchObject({
      ok: false,
      error: { statusCode: 403, code: 'FORBIDDEN' },
    });
    expect(await b1.call('message:delete', { chatId, seq: other.seq })).toEqual({ ok: true, data: null }); // scope defaults to "me"
  });

  it('message:forward copies into another chat and announces each copy', async () => {
    const { alice, bob, chatId, a1, b1 } = await pairWithTwoDevices();
    const carol = await api.newUser();
    const target = (await api.newDirect(alice, carol)).id;
    const c1 = await open(carol);
    const m1 = await sendOver(a1, chatId, 'one');
    const m2 = await sendOver(a1, chatId, 'two');
    const ack = await a1.call('message:forward', { chatId: target, fromChatId: chatId, seqs: [m2.seq, m1.seq] });
    expect(ack.ok).toBe(true);
    expect(ack.data.items.map((m) => [m.text, m.forwardedFrom])).toEqual([
      ['one', { chatId, seq: m1.seq, senderId: alice.id }],
      ['two', { chatId, seq: m2.seq, senderId: alice.id }],
    ]);
    for (const item of ack.data.items) expect(await c1.waitFor('message:new', (m) => m.id === item.id)).toMatchObject({ status: null });
    await b1.nothing('message:new', (m) => m.chatId === target);
    expect(await a1.call('message:forward', { chatId: target, fromChatId: randomUUID(), seqs: [1] })).toMatchObject({
      ok: false,
      error: { statusCode: 404 },
    });
    expect(bob.id).toBeDefined();
  });

  it('messages:history answers { items, hasMore } as over REST', async () => {
    const { chatId, a1, b1 } = await pairWithTwoDevices();
    for (const text of ['a', 'b', 'c']) await sendOver(a1, chatId, text);
    const page = await b1.call('messages:history', { chatId, limit: 2 });
    expect(page.ok).toBe(true);
    expect(page.data.hasMore).toBe(true);
    expect(page.data.items.map((m) => [m.seq, m.text, m.status])).toEqual([
      [2, 'b', null],
      [3, 'c', null],
    ]);
    const after = await a1.call('messages:history', { chatId, after: 1 });
    expect(after.data).toEqual({
      items: [containing({ seq: 2, status: anyString() }), containing({ seq: 3 })],
      hasMore: false,
    });
    expect(await a1.call('messages:history', { chatId, before: 3, after: 1 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await a1.call('messages:history', { chatId, limit: 101 })).toMatchObject({ ok: false, error: { statusCode: 400 } });
  });

  it('a command over the socket answers the command result', async () => {
    const { chatId, a1 } = await pairWithTwoDevices();
    const ack = await a1.call('message:send', { chatId, clientId: randomUUID(), text: '/help' });
    expect(ack).toMatchObject({ ok: true, data: { type: 'command', command: 'help', message: null } });
    expect(await a1.call('message:send', { chatId, clientId: randomUUID(), text: '/nope' })).toMatchObject({
      ok: false,
      error: { statusCode: 400, code: 'UNKNOWN_COMMAND' },
    });
  });

  it('service errors come back in the ack with the contract’s codes', async () => {
    const { chatId, a1 } = await pairWithTwoDevices();
    const stranger = await open(await api.newUser());
    const notFound = await stranger.call('message:send', { chatId, clientId: randomUUID(), text: 'hi' });
    expect(notFound).toEqual({ ok: false, error: { statusCode: 404, code: 'CHAT_NOT_FOUND', message: anyString() } });
    expect(await a1.call('message:send', { chatId, clientId: randomUUID(), text: 'x'.repeat(4097) })).toMatchObject({
      ok: false,
      error: { statusCode: 400, code: 'MESSAGE_TOO_LONG' },
    });
    expect(await a1.call('message:edit', { chatId, seq: 999, text: 'x' })).toMatchObject({
      ok: false,
      error: { statusCode: 404, code: 'MESSAGE_NOT_FOUND' },
    });
  });
});
