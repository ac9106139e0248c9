import { randomUUID } from 'node:crypto';
import { ok, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { seedMessages } from '../support/seed';
import { useService } from '../support/service';
import { useSockets } from '../support/sockets';
import { eventually } from '../support/wait';
import { chatReads } from '../chats/support';
import { messageHelpers } from './support';

/** Mentions (v1.1): `@username` of a member, parsed on send and edit; `mentionCount` in the chat summary. */
describe('messages: mentions', () => {
  const svc = useService();
  const { api } = svc;
  const sockets = useSockets();
  const { detail } = chatReads(svc);
  const { sendOk, historyOk } = messageHelpers(svc);
  let a: TestUser, b: TestUser, c: TestUser, outsider: TestUser;
  let group: string;
  beforeAll(async () => {
    [a, b, c, outsider] = await api.newUsers(4);
    group = (await api.newGroup(a, [b, c], 'Mentions')).id;
  });

  const mentionsOf = async (text: string, from = a, chatId = group) => (await sendOk(from, chatId, text)).mentions;
  const summary = (u: TestUser, chatId = group) => detail(u, chatId);

  it('names members by @username, case-insensitively, in order of first appearance, each once', async () => {
    const [bn, cn] = [b.username, c.username];
    expect(await mentionsOf(`hi @${cn.toUpperCase()} and @${bn}, @${bn.toUpperCase()} again, @${cn}`)).toEqual([c.id, b.id]);
    // The sender may name itself too.
    expect(await mentionsOf(`note to @${a.username}`)).toEqual([a.id]);
    // Everyone sees the same ids, in history too.
    const m = await sendOk(a, group, `@${bn}`);
    expect((await historyOk(c, group)).items.find((x) => x.id === m.id)!.mentions).toEqual([b.id]);
  });

  it('is no mention inside a longer word, whatever the script; punctuation around it is fine', async () => {
    const n = b.username;
    for (const text of [`${a.username}@${n}.com`, `mail ${n}@example.com`, `привет@${n}`, `é@${n}`, `e\u0301@${n}`, `日本@${n}`]) {
      expect({ text, mentions: await mentionsOf(text) }).toEqual({ text, mentions: [] });
    }
    for (const text of [`@${n}é`, `@${n}ж`, `@${n}\u0301`, `@${n}@host`, `@${n}_x`, `@${n}1`]) {
      expect({ text, mentions: await mentionsOf(text) }).toEqual({ text, mentions: [] });
    }
    for (const text of [`(@${n})`, `«@${n}»`, `@${n}.`, `@${n}...`, `@${n}, hi`, `😀@${n}😀`, `line\n@${n}`, `«привет» @${n}!`]) {
      expect({ text, mentions: await mentionsOf(text) }).toEqual({ text, mentions: [b.id] });
    }
  });

  it('a name that is no member (or no user) is plain text; mentions stay as they were at send time', async () => {
    const m = await sendOk(a, group, `@${outsider.username} @nobody_${randomUUID().slice(0, 8)} @${c.username}`);
    expect(m.mentions).toEqual([c.id]);
    const later = (await api.newGroup(a, [b], 'Later')).id;
    const before = await sendOk(a, later, `@${c.username} not here yet`);
    expect(before.mentions).toEqual([]);
    ok(await api.addMembers(a, later, [c]), 200);
    expect((await historyOk(c, later)).items.find((x) => x.id === before.id)!.mentions).toEqual([]);
    expect((await sendOk(a, later, `@${c.username} now`)).mentions).toEqual([c.id]);
  });

  it('system messages mention nobody, though their text names users', async () => {
    const g = (await api.newGroup(a, [b], 'System')).id;
    const created = (await historyOk(b, g)).items[0];
    expect(created).toMatchObject({ type: 'system', mentions: [] });
    expect(created.text).toContain(`@${a.username}`);
  });

  it('edits recompute mentions and announce them as message:updated; a tombstone has none', async () => {
    const [b1, c1] = [await sockets.open(svc, b), await sockets.open(svc, c)];
    const ack = await b1.call('message:send', { chatId: group, clientId: randomUUID(), text: `ping @${c.username}` });
    expect(ack).toMatchObject({ ok: true, data: { mentions: [c.id] } });
    expect((await c1.waitFor('message:new', (m) => m.id === ack.data.id)).mentions).toEqual([c.id]);

    const edited = ok(await api.edit(b, group, ack.data.seq, { text: `ping @${a.username} instead` }), 200);
    expect(edited.mentions).toEqual([a.id]);
    expect(await c1.waitFor('message:updated', (m) => m.id === ack.data.id)).toMatchObject({ mentions: [a.id], text: edited.text });
    const viaSocket = await b1.call('message:edit', { chatId: group, seq: ack.data.seq, text: 'nobody' });
    expect(viaSocket).toMatchObject({ ok: true, data: { mentions: [] } });

    ok(await api.edit(b, group, ack.data.seq, { text: `@${c.username} again` }), 200);
    expect((await api.deleteMessage(b, group, ack.data.seq, 'everyone')).status).toBe(204);
    const tombstone = (await historyOk(c, group)).items.find((m) => m.id === ack.data.id)!;
    expect(tombstone).toMatchObject({ deleted: true, text: null, mentions: [] });
  });

  it('a forward names the members of the chat it lands in', async () => {
    const source = await sendOk(a, group, `@${b.username} and @${c.username}`);
    const ab = (await api.newDirect(a, b)).id;
    const copy = ok(await api.forward(a, ab, { fromChatId: group, seqs: [source.seq] }), 201).items[0];
    expect(copy.mentions).toEqual([b.id]);
  });

  it('mentionCount: the unread messages that mention the caller, from others, as unreadCount counts them', async () => {
    const [x, y, z] = await api.newUsers(3);
    const g = (await api.newGroup(x, [y, z], 'Count')).id;
    const at = (u: TestUser) => `@${u.username}`;
    const m1 = await sendOk(x, g, `${at(y)} one`);
    await sendOk(x, g, 'no mention');
    const m3 = await sendOk(z, g, `${at(y)} ${at(x)} two`);
    await sendOk(y, g, `${at(y)} myself`);
    const before = await summary(y, g);
    // Unread: the "created" message, m1, the plain one and m3.
    expect(before).toMatchObject({ unreadCount: 4, mentionCount: 2 });
    expect((await summary(x, g)).mentionCount).toBe(1);
    expect((await summary(z, g)).mentionCount).toBe(0);

    // Hidden for y, or deleted for everyone: no longer counted.
    expect((await api.deleteMessage(y, g, m1.seq)).status).toBe(204);
    expect(await summary(y, g)).toMatchObject({ unreadCount: 3, mentionCount: 1 });
    const m5 = await sendOk(z, g, `${at(y)} three`);
    expect((await api.deleteMessage(z, g, m5.seq, 'everyone')).status).toBe(204);
    expect((await summary(y, g)).mentionCount).toBe(1);

    // Reading up to m3 clears it; a later mention counts again; the list shows the same.
    expect((await api.read(y, g, { seq: m3.seq })).status).toBe(204);
    expect((await summary(y, g)).mentionCount).toBe(0);
    const m6 = await sendOk(x, g, `hey ${at(y)}`);
    const listed = ok(await api.chats(y), 200).items.find((ch) => ch.id === g)!;
    expect(listed).toMatchObject({ mentionCount: 1, lastMessage: { id: m6.id, mentions: [y.id] } });
    // An edit that drops the mention drops it from the count.
    ok(await api.edit(x, g, m6.seq, { text: 'hey all' }), 200);
    expect((await summary(y, g)).mentionCount).toBe(0);
  });

  it('mentionCount stops at 999, like unreadCount, walking the index of messages that mention someone', async () => {
    const [x, y] = await api.newUsers(2);
    const chat = (await api.newDirect(x, y)).id;
    await seedMessages(svc.db, { chatId: chat, senderId: x.id, count: 20_000, prefix: 'filler ' });
    await seedMessages(svc.db, { chatId: chat, senderId: x.id, count: 1_200, prefix: 'mention ' });
    await svc.db.query(`UPDATE messages SET mentions = ARRAY[$2::uuid] WHERE chat_id = $1 AND text LIKE 'mention %'`, [chat, y.id]);
    await svc.db.query('ANALYZE messages');
    const scans = async () =>
      Number(
        (await svc.db.query<{ n: string }>(`SELECT idx_scan AS n FROM pg_stat_user_indexes WHERE indexrelname = 'ix_messages_mentioned'`))
          .rows[0].n,
      );
    const scansBefore = await scans();
    expect(await summary(y, chat)).toMatchObject({ unreadCount: 999, mentionCount: 999 });
    await eventually(scans, (n) => n > scansBefore, 'the mention index to be scanned');
    // Read all but the last 10 mentions.
    const last = (await summary(y, chat)).lastSeq;
    expect((await api.read(y, chat, { seq: last - 10 })).status).toBe(204);
    const after: MessageDto[] = (await historyOk(y, chat, { limit: 10 })).items;
    expect(after.every((m) => m.mentions[0] === y.id)).toBe(true);
    expect(await summary(y, chat)).toMatchObject({ unreadCount: 10, mentionCount: 10 });
  });
});
