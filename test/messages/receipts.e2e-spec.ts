import { expectError, ok } from '../support/api';
import { anyBoolean, containing } from '../support/matchers';
import { useService } from '../support/service';
import { chatReads } from '../chats/support';
import { messageHelpers } from './support';

describe('messages: receipts, status and unreadCount', () => {
  const svc = useService();
  const { api } = svc;
  const { detail } = chatReads(svc);
  const { sendOk, sendMany, historyOk } = messageHelpers(svc);

  it('derives status, receipts and unreadCount from the peer’s cursors in a direct chat, from both sides', async () => {
    const [a, b] = await api.newUsers(2);
    const c = (await api.newDirect(a, b)).id;
    const m1 = await sendOk(a, c, 'one');
    const m2 = await sendOk(a, c, 'two');
    expect([m1.status, m2.status]).toEqual(['sent', 'sent']);

    const statuses = async () => (await historyOk(a, c)).items.map((m) => m.status);
    expect(await statuses()).toEqual(['sent', 'sent']);
    expect((await detail(b, c)).unreadCount).toBe(2);
    expect((await detail(a, c)).unreadCount).toBe(0);
    expect((await api.receipts(a, c, 1)).body).toEqual({ deliveredTo: [], readBy: [] });

    // b's device got the first message.
    expect((await api.delivered(b, c, { seq: 1 })).status).toBe(204);
    expect(await statuses()).toEqual(['delivered', 'sent']);
    const r1 = (await api.receipts(a, c, 1)).body;
    expect(r1.deliveredTo.map((u) => u.id)).toEqual([b.id]);
    expect(r1.deliveredTo[0]).toEqual(containing({ id: b.id, username: b.username, online: anyBoolean() }));
    expect(r1.readBy).toEqual([]);
    expect((await detail(b, c)).unreadCount).toBe(2);

    // b reads the first: read implies delivered.
    expect((await api.read(b, c, { seq: 1 })).status).toBe(204);
    expect(await statuses()).toEqual(['read', 'sent']);
    expect((await detail(b, c)).unreadCount).toBe(1);
    expect((await detail(b, c)).readSeq).toBe(1);

    // b reads everything; then an older read is ignored (forward only).
    ok(await api.read(b, c, { seq: 2 }), 204);
    ok(await api.read(b, c, { seq: 1 }), 204);
    ok(await api.delivered(b, c, { seq: 0 }), 204);
    expect(await statuses()).toEqual(['read', 'read']);
    const { members } = await detail(a, c);
    expect(members.find((m) => m.user.id === b.id)).toEqual(containing({ deliveredSeq: 2, readSeq: 2 }));
    expect((await detail(b, c)).unreadCount).toBe(0);
    const r2 = (await api.receipts(a, c, 2)).body;
    expect(r2.deliveredTo.map((u) => u.id)).toEqual([b.id]);
    expect(r2.readBy.map((u) => u.id)).toEqual([b.id]);

    // The other side: b's messages have a status for b only; a's unread count follows a's cursor.
    const reply = await sendOk(b, c, 'reply');
    expect(reply.status).toBe('sent');
    expect((await historyOk(b, c)).items.map((m) => [m.seq, m.status])).toEqual([
      [1, null],
      [2, null],
      [3, 'sent'],
    ]);
    expect((await detail(a, c)).unreadCount).toBe(1);
    // A read beyond the last message is clamped to it.
    ok(await api.read(a, c, { seq: 999 }), 204);
    expect((await detail(a, c)).readSeq).toBe(3);
    expect((await detail(a, c)).unreadCount).toBe(0);
    expect((await historyOk(b, c)).items.at(-1)!.status).toBe('read');
  });

  it('reading history advances the reader’s delivered cursor (and only it)', async () => {
    const [a, b] = await api.newUsers(2);
    const c = (await api.newDirect(a, b)).id;
    await sendMany(a, c, 3);
    expect((await historyOk(a, c)).items.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    await historyOk(b, c);
    expect((await historyOk(a, c)).items.map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const bm = (await detail(a, c)).members.find((m) => m.user.id === b.id)!;
    expect(bm).toEqual(containing({ deliveredSeq: 3, readSeq: 0 }));
    expect((await detail(b, c)).unreadCount).toBe(3);
    // An older page does not move it back.
    await historyOk(b, c, { before: 2 });
    expect((await detail(a, c)).members.find((m) => m.user.id === b.id)!.deliveredSeq).toBe(3);
  });

  it('in a group, delivered/read only when every other member got there; receipts list who', async () => {
    const [owner, b, c] = await api.newUsers(3);
    const g = (await api.newGroup(owner, [b, c])).id;
    const m = await sendOk(owner, g, 'to all'); // seq 2 (1 is "created")
    const status = async () => (await historyOk(owner, g)).items.at(-1)!.status;
    expect(await status()).toBe('sent');
    ok(await api.delivered(b, g, { seq: m.seq }), 204);
    expect(await status()).toBe('sent');
    let r = (await api.receipts(owner, g, m.seq)).body;
    expect(r.deliveredTo.map((u) => u.id)).toEqual([b.id]);
    ok(await api.read(c, g, { seq: m.seq }), 204);
    expect(await status()).toBe('delivered');
    ok(await api.read(b, g, { seq: m.seq }), 204);
    expect(await status()).toBe('read');
    r = (await api.receipts(owner, g, m.seq)).body;
    expect(r.deliveredTo.map((u) => u.id).sort()).toEqual([b.id, c.id].sort());
    expect(r.readBy.map((u) => u.id).sort()).toEqual([b.id, c.id].sort());
    // System messages have no status.
    expect((await historyOk(owner, g)).items[0]).toEqual(containing({ type: 'system', status: null }));
  });

  it('receipts: 404 for a non-member or an unknown seq, 400 for a bad seq', async () => {
    const [a, b, outsider] = await api.newUsers(3);
    const c = (await api.newDirect(a, b)).id;
    await sendOk(a, c, 'x');
    expectError(await api.receipts(outsider, c, 1), 404, 'CHAT_NOT_FOUND');
    expectError(await api.receipts(a, c, 2), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.receipts(a, c, 'x'), 400, 'VALIDATION_FAILED');
    expectError(await api.receipts(a, c, 0), 400, 'VALIDATION_FAILED');
  });
});
