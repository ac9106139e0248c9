import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { findMutedMembers } from '../../src/conversations/mute.query';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { expectError, ok, TestUser } from '../support/api';
import { asyncApi } from '../support/asyncapi';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { eventually } from '../support/wait';
import { chatReads, expectSummaryShape } from './support';

/** Mute (v1.1): per user, on every device, until a time or until unmuted; it only holds back push notifications. */
describe('chats: mute', () => {
  let orm: DataSource;
  // Declared before useService: after-all hooks run in order, so the ORM's connection closes first.
  afterAll(async () => {
    await orm?.destroy();
  });
  const svc = useService();
  const { api } = svc;
  const sockets = useSockets();
  const { detail, list } = chatReads(svc);
  let a: TestUser, b: TestUser, outsider: TestUser;
  let chatId: string;
  beforeAll(async () => {
    [a, b, outsider] = await api.newUsers(3);
    chatId = (await api.newDirect(a, b)).id;
    orm = new DataSource(dataSourceOptions(svc.databaseUrl, 1));
    await orm.initialize();
  });

  const mute = (u: TestUser, body?: unknown, chat = chatId) => api.put(`/api/chats/${chat}/mute`, u, body);
  const unmute = (u: TestUser, chat = chatId) => api.delete(`/api/chats/${chat}/mute`, u);
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  const stateOf = async (u: TestUser, chat = chatId) => {
    const { muted, mutedUntil } = await detail(u, chat);
    return { muted, mutedUntil };
  };

  it('mutes until unmuted (no body, {} or until null), for the caller only; unmuting twice is fine', async () => {
    expect(await stateOf(a)).toEqual({ muted: false, mutedUntil: null });
    for (const body of [undefined, {}, { until: null }]) {
      expect((await mute(a, body)).status).toBe(204);
      expect(await stateOf(a)).toEqual({ muted: true, mutedUntil: null });
      expect((await unmute(a)).status).toBe(204);
      expect(await stateOf(a)).toEqual({ muted: false, mutedUntil: null });
    }
    expect((await mute(a)).status).toBe(204);
    const listed = (await list(a)).items.find((c) => c.id === chatId)!;
    expectSummaryShape(listed);
    expect(listed).toMatchObject({ muted: true, mutedUntil: null });
    expect(await stateOf(b)).toEqual({ muted: false, mutedUntil: null });
    expect((await unmute(a)).status).toBe(204);
    expect((await unmute(a)).status).toBe(204);
  });

  it('mutes until a time in the future, shown as mutedUntil; any offset is read as that instant', async () => {
    const until = new Date(Date.now() + 3_600_000);
    expect((await mute(a, { until: until.toISOString() })).status).toBe(204);
    expect(await stateOf(a)).toEqual({ muted: true, mutedUntil: until.toISOString() });
    const later = new Date(until.getTime() + 60_000);
    const plus2 = new Date(later.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect((await mute(a, { until: plus2 })).status).toBe(204);
    expect(await stateOf(a)).toEqual({ muted: true, mutedUntil: later.toISOString() });
    // Muting again without until: until unmuted.
    expect((await mute(a, {})).status).toBe(204);
    expect(await stateOf(a)).toEqual({ muted: true, mutedUntil: null });
    expect((await unmute(a)).status).toBe(204);
  });

  it('refuses an until not in the future, or not a date-time with a time zone (400); non-members and bad ids', async () => {
    for (const until of [new Date(Date.now() - 1000).toISOString(), '2000-01-01T00:00:00Z']) {
      const err = expectError(await mute(a, { until }), 400, 'VALIDATION_FAILED');
      expect(err.details).toEqual([{ field: 'until', message: expect.any(String) as string }]);
    }
    for (const until of ['tomorrow', '2999-01-01', '2999-01-01T10:00:00', '2999-02-30T10:00:00Z', 1_900_000_000_000, true, '']) {
      expectError(await mute(a, { until }), 400, 'VALIDATION_FAILED');
    }
    expectError(await mute(a, { until: inSeconds(60), extra: 1 }), 400, 'VALIDATION_FAILED');
    expect(await stateOf(a)).toEqual({ muted: false, mutedUntil: null });
    expectError(await mute(outsider), 404, 'CHAT_NOT_FOUND');
    expectError(await unmute(outsider), 404, 'CHAT_NOT_FOUND');
    expectError(await mute(a, {}, randomUUID()), 404, 'CHAT_NOT_FOUND');
    expectError(await mute(a, {}, 'not-a-uuid'), 400, 'VALIDATION_FAILED');
  });

  it('reaches every device of the user as chat:updated (its own summary), nobody else', async () => {
    const [a1, a2, b1] = [await sockets.open(svc, a), await sockets.open(svc, await api.newSession(a)), await sockets.open(svc, b)];
    const until = inSeconds(600);
    expect((await mute(a, { until })).status).toBe(204);
    for (const s of [a1, a2]) {
      const summary = await s.waitFor('chat:updated', (c) => c.id === chatId);
      expect(summary).toMatchObject({ id: chatId, muted: true, mutedUntil: until, peer: { id: b.id } });
      asyncApi().serverEvent('chat:updated', summary);
    }
    expect((await unmute(a)).status).toBe(204);
    for (const s of [a1, a2])
      expect(await s.waitFor('chat:updated', (c) => c.id === chatId)).toMatchObject({ muted: false, mutedUntil: null });
    // Unmuting what is not muted changes nothing and tells nobody.
    expect((await unmute(a)).status).toBe(204);
    await a1.nothing('chat:updated');
    await b1.nothing('chat:updated');
  });

  it('ends by itself once until has passed, with no write', async () => {
    expect((await mute(a, { until: inSeconds(1.5) })).status).toBe(204);
    expect((await stateOf(a)).muted).toBe(true);
    await eventually(
      () => stateOf(a),
      (s) => !s.muted,
      'the mute to end',
    );
    expect(await stateOf(a)).toEqual({ muted: false, mutedUntil: null });
    expect((await list(a)).items.find((c) => c.id === chatId)).toMatchObject({ muted: false, mutedUntil: null });
    // Nothing ran when it ended: the row still holds the mute; reads compare its until with the clock.
    const row = await svc.db.query('SELECT muted FROM chat_members WHERE chat_id = $1 AND user_id = $2', [chatId, a.id]);
    expect(row.rows).toEqual([{ muted: true }]);
  });

  it('still delivers live events and counts unread messages and mentions', async () => {
    expect((await mute(b)).status).toBe(204);
    const b1 = await sockets.open(svc, b);
    const before = await detail(b, chatId);
    const sent = ok(await api.send(a, chatId, { text: `@${b.username} are you there?` }), 201);
    expect(await b1.waitFor('message:new', (m) => m.id === sent.id)).toMatchObject({ mentions: [b.id] });
    expect(await detail(b, chatId)).toMatchObject({
      muted: true,
      unreadCount: before.unreadCount + 1,
      mentionCount: before.mentionCount + 1,
      lastMessage: { id: sent.id },
    });
    expect((await unmute(b)).status).toBe(204);
  });

  it('mutedFor (what push notifications will ask): the given members who have the chat muted now', async () => {
    const [x, y, z, w] = await api.newUsers(4);
    const g = (await api.newGroup(x, [y, z], 'Mute for')).id;
    expect((await mute(x, {}, g)).status).toBe(204);
    expect((await mute(y, { until: inSeconds(600) }, g)).status).toBe(204);
    expect((await mute(z, { until: inSeconds(1.5) }, g)).status).toBe(204);
    const everyone = [x.id, y.id, z.id, w.id];
    expect((await findMutedMembers(orm.manager, g, everyone)).sort()).toEqual([x.id, y.id, z.id].sort());
    expect(await findMutedMembers(orm.manager, g, [y.id, w.id])).toEqual([y.id]);
    expect(await findMutedMembers(orm.manager, g, [])).toEqual([]);
    // Another chat's mute counts only there.
    expect(await findMutedMembers(orm.manager, chatId, everyone)).toEqual([]);
    await eventually(
      () => findMutedMembers(orm.manager, g, everyone),
      (ids) => !ids.includes(z.id),
      'z’s mute to end',
    );
    expect((await findMutedMembers(orm.manager, g, everyone)).sort()).toEqual([x.id, y.id].sort());
    expect((await unmute(x, g)).status).toBe(204);
    expect(await findMutedMembers(orm.manager, g, everyone)).toEqual([y.id]);
  });
});
