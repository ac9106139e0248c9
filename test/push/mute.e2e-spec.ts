import { ok } from '../support/api';
import { usePushSetup } from './support';

/**
 * Mute stops push notifications, except for messages that mention the muted member (Urgency high,
 * `mention: true`); it stops nothing else. Needs mute and mentions (PUT /api/chats/:id/mute,
 * `messages.mentions`, migration 1795610000000).
 */
describe('push and mute: a muted chat pushes only mentions', () => {
  const { api, push, subscribed, settled } = usePushSetup();

  it('muted (until unmuted, or until a time): no push, unless the message mentions the member; unmuted: pushes again', async () => {
    const [owner, muted, other] = await api.newUsers(3);
    const group = await api.newGroup(owner, [muted, other], 'Noisy');
    const [subMuted, subOther] = [await subscribed(muted), await subscribed(other)];
    ok(await api.put(`/api/chats/${group.id}/mute`, muted, {}), 204);

    const plain = ok(await api.send(owner, group.id, { text: 'lunch?' }), 201);
    const mention = ok(await api.send(owner, group.id, { text: `@${muted.username} are you coming?` }), 201);
    await push.waitFor(subOther, () => true, 2);
    await settled();
    expect(push.pushesTo(subMuted).map((p) => p.payload.messageId)).toEqual([mention.id]);
    const [p] = push.pushesTo(subMuted);
    expect(p.payload).toMatchObject({ mention: true, text: `@${muted.username} are you coming?` });
    expect(p.urgency).toBe('high');
    expect(push.pushesTo(subOther).map((x) => [x.payload.messageId, x.payload.mention, x.urgency])).toEqual([
      [plain.id, false, 'normal'],
      [mention.id, false, 'normal'],
    ]);

    // Muted until a time that has passed: pushes again.
    ok(await api.put(`/api/chats/${group.id}/mute`, muted, { until: new Date(Date.now() + 1500).toISOString() }), 204);
    ok(await api.send(owner, group.id, { text: 'still muted' }), 201);
    await settled();
    expect(push.pushesTo(subMuted)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1600));
    const later = ok(await api.send(owner, group.id, { text: 'mute is over' }), 201);
    await push.waitFor(subMuted, (x) => x.payload.messageId === later.id);

    // Unmuted: pushes again.
    ok(await api.put(`/api/chats/${group.id}/mute`, muted, {}), 204);
    ok(await api.delete(`/api/chats/${group.id}/mute`, muted), 204);
    const after = ok(await api.send(owner, group.id, { text: 'back' }), 201);
    await push.waitFor(subMuted, (x) => x.payload.messageId === after.id);
  });
});
