import { randomUUID } from 'node:crypto';
import { expectError, ok, TestUser } from '../support/api';
import { anIsoTime, containing } from '../support/matchers';
import { useService } from '../support/service';
import { messageHelpers } from './support';

describe('messages: attachments on messages', () => {
  const svc = useService();
  const { api } = svc;
  const { historyOk, dbLastSeq } = messageHelpers(svc);
  let a: TestUser;
  let b: TestUser;
  let c: string;
  beforeAll(async () => {
    [a, b] = await api.newUsers(2);
    c = (await api.newDirect(a, b)).id;
  });

  /** An upload of `owner`, written directly: the upload route is the attachments feature's. */
  async function upload(owner: TestUser, filename: string): Promise<string> {
    const res = await svc.db.query<{ id: string }>(
      `INSERT INTO attachments (uploader_id, filename, mime_type, size, sha256, storage_key)
       VALUES ($1, $2, 'text/plain', 5, repeat('a', 64), $2) RETURNING id`,
      [owner.id, filename],
    );
    return res.rows[0].id;
  }

  it('puts the sender’s uploads on the message in the order given; a retry stores nothing new', async () => {
    const [f1, f2] = [await upload(a, 'one.txt'), await upload(a, 'two.txt')];
    const clientId = randomUUID();
    const res = await api.send(a, c, { clientId, attachmentIds: [f2, f1] });
    expect(res.status).toBe(201);
    expect(res.body.text).toBeNull();
    expect(res.body.attachments).toEqual([
      { id: f2, filename: 'two.txt', mimeType: 'text/plain', size: 5, sha256: 'a'.repeat(64), createdAt: anIsoTime() },
      containing({ id: f1, filename: 'one.txt' }),
    ]);
    const retry = await api.send(a, c, { clientId, attachmentIds: [f2, f1] });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(res.body);
    expect((await historyOk(b, c)).items.at(-1)!.attachments.map((x) => x.id)).toEqual([f2, f1]);
    // Spaces-only text is fine next to a file; a leading "/" is then just text.
    const f3 = await upload(a, 'three.txt');
    const withText = await api.send(a, c, { text: '/help', attachmentIds: [f3] });
    expect(withText.status).toBe(201);
    expect(withText.body.text).toBe('/help');
  });

  it('refuses someone else’s upload or one already used (404), storing nothing', async () => {
    const theirs = await upload(b, 'theirs.txt');
    const used = await upload(a, 'used.txt');
    ok(await api.send(a, c, { attachmentIds: [used] }), 201);
    const seq = await dbLastSeq(c);
    expectError(await api.send(a, c, { attachmentIds: [theirs] }), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await api.send(a, c, { text: 'x', attachmentIds: [used] }), 404, 'ATTACHMENT_NOT_FOUND');
    const fresh = await upload(a, 'fresh.txt');
    expectError(await api.send(a, c, { attachmentIds: [fresh, used] }), 404, 'ATTACHMENT_NOT_FOUND');
    expect(await dbLastSeq(c)).toBe(seq);
    // The failed send did not claim the fresh upload.
    expect((await api.send(a, c, { attachmentIds: [fresh] })).status).toBe(201);
  });

  it('a forward carries the attachments; a tombstone shows none, the rows stay', async () => {
    const f = await upload(a, 'keep.txt');
    const m = ok(await api.send(a, c, { text: 'file', attachmentIds: [f] }), 201);
    const g = (await api.newGroup(a, [b])).id;
    const fw = await api.forward(a, g, { fromChatId: c, seqs: [m.seq] });
    expect(fw.status).toBe(201);
    expect(fw.body.items[0].attachments.map((x) => x.id)).toEqual([f]);
    ok(await api.deleteMessage(a, c, m.seq, 'everyone'), 204);
    for (const u of [a, b]) {
      expect((await historyOk(u, c)).items.find((x) => x.seq === m.seq)).toEqual(
        containing({ deleted: true, text: null, attachments: [] }),
      );
    }
    const links = await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM message_attachments WHERE attachment_id = $1', [f]);
    expect(links.rows[0].n).toBe(2);
    // The forwarded copy is a message of its own and keeps its file.
    expect((await historyOk(b, g)).items.at(-1)!.attachments.map((x) => x.id)).toEqual([f]);
  });
});
