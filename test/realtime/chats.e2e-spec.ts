import { randomUUID } from 'node:crypto';
import { ok } from '../support/api';
import { anyString, containing } from '../support/matchers';
import { useService } from '../support/service';
import { realtimeHelpers, REALTIME_ENV, sendOver } from './support';

describe('realtime: chat changes and typing', () => {
  const svc = useService(REALTIME_ENV);
  const { api } = svc;
  const { open, pairWithTwoDevices } = realtimeHelpers(svc);

  describe('chats', () => {
    it('chat:pin tells the user’s other devices (chat:updated with its own summary), nobody else', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      expect(await a1.call('chat:pin', { chatId, pinned: true })).toEqual({ ok: true, data: null });
      const summary = await a2.waitFor('chat:updated', (c) => c.id === chatId);
      expect(summary).toMatchObject({
        id: chatId,
        type: 'direct',
        pinned: true,
        pinnedAt: anyString(),
        peer: containing({ username: anyString() }),
      });
      await a1.nothing('chat:updated');
      await b1.nothing('chat:updated');
      const list = ok(await api.chats(alice));
      expect(list.items[0]).toMatchObject({ id: chatId, pinned: true });

      expect(await a1.call('chat:pin', { chatId, pinned: false })).toEqual({ ok: true, data: null });
      expect(await a2.waitFor('chat:updated', (c) => c.id === chatId)).toMatchObject({ pinned: false, pinnedAt: null });
    });

    it('chat:delete removes the chat on the user’s other devices only', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      await sendOver(a1, chatId, 'before');
      expect(await a1.call('chat:delete', { chatId })).toEqual({ ok: true, data: null });
      expect(await a2.waitFor('chat:removed')).toEqual({ chatId });
      await a1.nothing('chat:removed');
      await b1.nothing('chat:removed');
      const list = ok(await api.chats(alice));
      expect(list.items.map((c) => c.id)).not.toContain(chatId);
      expect(await a1.call('chat:delete', { chatId: randomUUID() })).toMatchObject({
        ok: false,
        error: { statusCode: 404, code: 'CHAT_NOT_FOUND' },
      });
    });

    it('creating a chat and adding a member reach the members at once with chat:updated; a removed member gets chat:removed and no more events', async () => {
      const [alice, bob, carol] = await api.newUsers(3);
      const [a1, b1, c1] = [await open(alice), await open(bob), await open(carol)];

      const direct = (await api.newDirect(alice, bob)).id;
      expect(await b1.waitFor('chat:updated', (c) => c.id === direct)).toMatchObject({
        type: 'direct',
        peer: containing({ id: alice.id }),
      });
      expect(await a1.waitFor('chat:updated', (c) => c.id === direct)).toMatchObject({ peer: containing({ id: bob.id }) });

      const group = (await api.newGroup(alice, [bob], 'plans')).id;
      const bobsView = await b1.waitFor('chat:updated', (c) => c.id === group);
      expect(bobsView).toMatchObject({ type: 'group', title: 'plans', memberCount: 2, pinned: false });
      await b1.waitFor('message:new', (m) => m.chatId === group && m.type === 'system');
      await c1.nothing('chat:updated', (c) => c.id === group, 100);

      const added = await api.addMembers(alice, group, [carol]);
      expect(added.status).toBe(200);
      expect(await c1.waitFor('chat:updated', (c) => c.id === group)).toMatchObject({ title: 'plans', memberCount: 3 });
      expect(await b1.waitFor('chat:updated', (c) => c.id === group && c.memberCount === 3)).toBeTruthy();

      const removed = await api.removeMember(alice, group, carol);
      expect(removed.status).toBe(204);
      expect(await c1.waitFor('chat:removed')).toEqual({ chatId: group });
      const after = await sendOver(a1, group, 'carol is gone');
      await b1.waitFor('message:new', (m) => m.id === after.id);
      await c1.nothing('message:new', (m) => m.id === after.id);
      expect(await c1.call('typing', { chatId: group, isTyping: true })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
    });
  });

  describe('typing', () => {
    it('goes to the other members, not to the typer’s own sockets', async () => {
      const { alice, chatId, a1, a2, b1 } = await pairWithTwoDevices();
      expect(await a1.call('typing', { chatId, isTyping: true })).toEqual({ ok: true, data: null });
      expect(await b1.waitFor('typing')).toEqual({ chatId, userId: alice.id, isTyping: true });
      expect(await a1.call('typing', { chatId, isTyping: false })).toEqual({ ok: true, data: null });
      expect(await b1.waitFor('typing')).toEqual({ chatId, userId: alice.id, isTyping: false });
      await a2.nothing('typing');
      await a1.nothing('typing');
    });

    it('is refused to a non-member with 404, and a non-boolean with 400', async () => {
      const { chatId, a1 } = await pairWithTwoDevices();
      const stranger = await open(await api.newUser());
      expect(await stranger.call('typing', { chatId, isTyping: true })).toMatchObject({
        ok: false,
        error: { statusCode: 404, code: 'CHAT_NOT_FOUND' },
      });
      expect(await a1.call('typing', { chatId, isTyping: 'yes' })).toMatchObject({
        ok: false,
        error: { statusCode: 400, code: 'VALIDATION_FAILED' },
      });
    });
  });
});
