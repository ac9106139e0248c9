import { expectError, TestUser } from '../support/api';
import { anIsoTime, containing } from '../support/matchers';
import { useService } from '../support/service';
import { messageHelpers, newPair } from './support';

describe('messages: edit', () => {
  const svc = useService();
  const { api } = svc;
  const { sendOk, historyOk, dbLastSeq } = messageHelpers(svc);
  let a: TestUser, b: TestUser, outsider: TestUser, chatId: string; // made by newPair
  beforeAll(async () => {
    ({ a, b, outsider, chatId } = await newPair(api));
  });
  const edit = (u: TestUser, seq: number | string, body: Record<string, unknown>, chat = chatId) => api.edit(u, chat, seq, body);

  it('edits one’s own message: new text, editedAt set, same id and seq, seen by the peer', async () => {
    const m = await sendOk(a, chatId, 'typo');
    const res = await edit(a, m.seq, { text: 'fixed 😀' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(containing({ id: m.id, seq: m.seq, text: 'fixed 😀', editedAt: anIsoTime(), status: 'sent' }));
    const seen = (await historyOk(b, chatId)).items.find((x) => x.seq === m.seq)!;
    expect(seen).toEqual(containing({ text: 'fixed 😀', editedAt: res.body.editedAt }));
    expect(await dbLastSeq(chatId)).toBe(m.seq);
  });

  it('refuses someone else’s message (403), a non-member (404), unknown seq (404)', async () => {
    const m = await sendOk(a, chatId, 'mine');
    expectError(await edit(b, m.seq, { text: 'hijack' }), 403, 'FORBIDDEN');
    expectError(await edit(outsider, m.seq, { text: 'x' }), 404, 'CHAT_NOT_FOUND');
    expectError(await edit(a, 9999, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
    expect((await historyOk(a, chatId)).items.find((x) => x.seq === m.seq)!.text).toBe('mine');
  });

  it('applies the text rules: code-point limit, a non-space character, a string', async () => {
    const m = await sendOk(a, chatId, 'short');
    expect((await edit(a, m.seq, { text: '😀'.repeat(4096) })).status).toBe(200);
    expectError(await edit(a, m.seq, { text: '😀'.repeat(4097) }), 400, 'MESSAGE_TOO_LONG');
    expectError(await edit(a, m.seq, { text: '   ' }), 400, 'VALIDATION_FAILED');
    expectError(await edit(a, m.seq, {}), 400, 'VALIDATION_FAILED');
    expectError(await edit(a, m.seq, { text: 5 }), 400, 'VALIDATION_FAILED');
    expectError(await edit(a, 'x', { text: 'x' }), 400, 'VALIDATION_FAILED');
  });

  it('refuses to edit a system message, even for its author (403)', async () => {
    const g = (await api.newGroup(a, [b])).id;
    expectError(await edit(a, 1, { text: 'rewrite history' }, g), 403, 'FORBIDDEN');
  });
});
