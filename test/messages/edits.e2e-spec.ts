import { randomUUID } from 'node:crypto';
import { expectError, ok, TestUser } from '../support/api';
import type { MessageEditListDto } from '../../src/conversations/dto/message-requests.dto';
import { useService } from '../support/service';
import { messageHelpers, newPair } from './support';

/** Edit history (v1.1): every text an edit replaced, with the time it was replaced. */
describe('messages: edit history', () => {
  const svc = useService();
  const { api } = svc;
  const { sendOk } = messageHelpers(svc);
  let a: TestUser, b: TestUser, outsider: TestUser, chatId: string; // made by newPair
  beforeAll(async () => {
    ({ a, b, outsider, chatId } = await newPair(api));
  });
  const edits = (u: TestUser, seq: number | string, chat = chatId) =>
    api.get<MessageEditListDto>(`/api/chats/${chat}/messages/${seq}/edits`, u);
  const editsOk = async (u: TestUser, seq: number, chat = chatId) => ok(await edits(u, seq, chat), 200).items;
  const edit = async (seq: number, text: string) => ok(await api.edit(a, chatId, seq, { text }), 200);

  it('is empty for a message never edited', async () => {
    const m = await sendOk(a, chatId, 'as sent');
    expect(await editsOk(a, m.seq)).toEqual([]);
    expect(await editsOk(b, m.seq)).toEqual([]);
  });

  it('keeps each replaced text, oldest first, with the time it was replaced (the editedAt of the edit that replaced it)', async () => {
    const m = await sendOk(a, chatId, 'v1');
    const e2 = await edit(m.seq, 'v2 😀');
    const e3 = await edit(m.seq, 'v3');
    const e4 = await edit(m.seq, 'v3');
    const expected = [
      { text: 'v1', editedAt: e2.editedAt },
      { text: 'v2 😀', editedAt: e3.editedAt },
      { text: 'v3', editedAt: e4.editedAt },
    ];
    expect(await editsOk(b, m.seq)).toEqual(expected);
    expect(await editsOk(a, m.seq)).toEqual(expected);
    const times = expected.map((e) => Date.parse(e.editedAt!));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(Date.parse(e2.editedAt!)).toBeGreaterThanOrEqual(Date.parse(m.createdAt));
    // The current text is the message's, not part of its history.
    expect((await api.history(b, chatId)).body.items.find((x) => x.seq === m.seq)).toMatchObject({ text: 'v3', editedAt: e4.editedAt });
  });

  it('keeps every edit of concurrent editors, each text once', async () => {
    const m = await sendOk(a, chatId, 'start');
    const texts = Array.from({ length: 8 }, (_, i) => `edit ${i}`);
    await Promise.all(texts.map((text) => edit(m.seq, text)));
    const items = await editsOk(a, m.seq);
    const final = (await api.history(a, chatId)).body.items.find((x) => x.seq === m.seq)!.text!;
    // Each version replaced the one before it: the history and the final text are every text once.
    expect([...items.map((i) => i.text), final].sort()).toEqual(['start', ...texts].sort());
    expect(items[0].text).toBe('start');
  });

  it('records an attachment-only message’s missing text as null', async () => {
    const { rows } = await svc.db.query<{ id: string }>(
      `INSERT INTO attachments (uploader_id, filename, mime_type, size, sha256, storage_key)
       VALUES ($1, 'f.txt', 'application/octet-stream', 0, repeat('0', 64), 'k-' || gen_random_uuid()) RETURNING id`,
      [a.id],
    );
    const m = ok(await api.send(a, chatId, { clientId: randomUUID(), attachmentIds: [rows[0].id] }), 201);
    const e = await edit(m.seq, 'a caption');
    expect(await editsOk(b, m.seq)).toEqual([{ text: null, editedAt: e.editedAt }]);
  });

  it('shows nothing of a message deleted for everyone, though the rows stay', async () => {
    const m = await sendOk(a, chatId, 'secret v1');
    await edit(m.seq, 'secret v2');
    expect(await editsOk(b, m.seq)).toHaveLength(1);
    expect((await api.deleteMessage(a, chatId, m.seq, 'everyone')).status).toBe(204);
    expect(await editsOk(a, m.seq)).toEqual([]);
    expect(await editsOk(b, m.seq)).toEqual([]);
    const kept = await svc.db.query('SELECT text FROM message_edits WHERE message_id = $1', [m.id]);
    expect(kept.rows).toEqual([{ text: 'secret v1' }]);
  });

  it('is empty for a system message; refuses what the caller cannot see (404) and bad seqs (400)', async () => {
    const g = (await api.newGroup(a, [b])).id;
    expect(await editsOk(b, 1, g)).toEqual([]);

    const m = await sendOk(a, chatId, 'hidden later');
    await edit(m.seq, 'edited');
    expectError(await edits(outsider, m.seq), 404, 'CHAT_NOT_FOUND');
    expectError(await edits(a, 9999), 404, 'MESSAGE_NOT_FOUND');
    expect((await api.deleteMessage(b, chatId, m.seq)).status).toBe(204);
    expectError(await edits(b, m.seq), 404, 'MESSAGE_NOT_FOUND');
    expect(await editsOk(a, m.seq)).toHaveLength(1);
    for (const bad of ['x', '0', '1.5', '2147483648']) expectError(await edits(a, bad), 400, 'VALIDATION_FAILED');
    expectError(await api.get(`/api/chats/not-a-uuid/messages/1/edits`, a), 400, 'VALIDATION_FAILED');
  });
});
