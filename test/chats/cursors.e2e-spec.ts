import { expectError, ok } from '../support/api';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { chatReads } from './support';

describe('chats: read and delivered cursors', () => {
  const svc = useService();
  const { api } = svc;
  const { detail, list } = chatReads(svc);

  it('unreadCount saturates at 999 for a chat with more unread messages', async () => {
    const [owner, reader] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [reader], 'Busy'); // seq 1
    await seedMessages(svc.db, { chatId: chat.id, senderId: owner.id, count: 1200 });
    const summary = async () => (await list(reader)).items.find((c) => c.id === chat.id)!;
    expect(await summary()).toMatchObject({ lastSeq: 1201, unreadCount: 999 });
    ok(await api.read(reader, chat.id, { seq: 1000 }), 204);
    expect(await summary()).toMatchObject({ readSeq: 1000, unreadCount: 201 });
  });

  it('move forward only, are clamped to lastSeq, and drive readSeq and unreadCount', async () => {
    const [owner, reader] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [reader], 'Cursors'); // seq 1
    await api.rename(owner, chat.id, 'two'); // seq 2
    await api.rename(owner, chat.id, 'three'); // seq 3
    const summary = async () => (await list(reader)).items.find((c) => c.id === chat.id)!;
    const mine = async () => (await detail(owner, chat.id)).members.find((m) => m.user.id === reader.id)!;

    expect(await summary()).toMatchObject({ lastSeq: 3, readSeq: 0, unreadCount: 3 });
    expect((await api.read(reader, chat.id, { seq: 2 })).status).toBe(204);
    expect(await summary()).toMatchObject({ lastSeq: 3, readSeq: 2, unreadCount: 1 });
    expect(await mine()).toMatchObject({ readSeq: 2, deliveredSeq: 2 });

    // Lower: accepted and ignored.
    expect((await api.read(reader, chat.id, { seq: 1 })).status).toBe(204);
    expect(await summary()).toMatchObject({ readSeq: 2, unreadCount: 1 });
    // Beyond lastSeq: clamped.
    expect((await api.read(reader, chat.id, { seq: 1000 })).status).toBe(204);
    expect(await summary()).toMatchObject({ readSeq: 3, unreadCount: 0 });
    expect((await detail(reader, chat.id)).readSeq).toBe(3);
    expect(await mine()).toMatchObject({ readSeq: 3, deliveredSeq: 3 });
    const stored = await svc.db.query(`SELECT read_seq, delivered_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [
      chat.id,
      reader.id,
    ]);
    expect(stored.rows[0]).toEqual({ read_seq: 3, delivered_seq: 3 });

    // A new message from someone else is unread again.
    await api.rename(owner, chat.id, 'four');
    expect(await summary()).toMatchObject({ lastSeq: 4, readSeq: 3, unreadCount: 1 });
    // The owner's own messages never count as unread for the owner.
    expect((await detail(owner, chat.id)).unreadCount).toBe(0);
  });

  it('delivered moves forward only, is clamped, and leaves readSeq alone', async () => {
    const [owner, reader] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [reader], 'Delivered');
    await api.rename(owner, chat.id, 'two');
    await api.rename(owner, chat.id, 'three');
    const mine = async () => (await detail(owner, chat.id)).members.find((m) => m.user.id === reader.id)!;
    expect((await api.delivered(reader, chat.id, { seq: 2 })).status).toBe(204);
    expect(await mine()).toMatchObject({ deliveredSeq: 2, readSeq: 0 });
    expect((await api.delivered(reader, chat.id, { seq: 1 })).status).toBe(204);
    expect(await mine()).toMatchObject({ deliveredSeq: 2, readSeq: 0 });
    expect((await api.delivered(reader, chat.id, { seq: 99 })).status).toBe(204);
    expect(await mine()).toMatchObject({ deliveredSeq: 3, readSeq: 0 });
    expect((await list(reader)).items.find((c) => c.id === chat.id)).toMatchObject({ readSeq: 0, unreadCount: 3 });
  });

  it('validates seq', async () => {
    const [owner, reader] = await api.newUsers(2);
    const chat = await api.newGroup(owner, [reader], 'Validate');
    for (const route of ['read', 'delivered'] as const) {
      for (const body of [{}, { seq: -1 }, { seq: 1.5 }, { seq: '2' }, { seq: 2 ** 31 }, { seq: 1, extra: true }]) {
        expectError(await api[route](reader, chat.id, body), 400, 'VALIDATION_FAILED');
      }
      expect((await api[route](reader, chat.id, { seq: 0 })).status).toBe(204);
    }
  });
});
