import { randomBytes, randomUUID } from 'node:crypto';
import { expectError, ok } from '../support/api';
import { anyString } from '../support/matchers';
import { useService } from '../support/service';
import { connectSocket } from '../support/sockets';
import { attachmentHelpers, sha256 } from './support';

/** Who may put an attachment on a message, download it and delete it. */
describe('attachments: on messages, download rights, delete', () => {
  const svc = useService({}, { dataDir: true });
  const { api } = svc;
  const { uploadOk, sendFiles, sendFilesOk } = attachmentHelpers(svc);

  describe('on messages', () => {
    it("a message takes up to 10 of the sender's own unused uploads; 11 → 400, others' / unknown / used → 404", async () => {
      const [a, b] = await api.newUsers(2);
      const chat = (await api.newDirect(a, b)).id;
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) ids.push((await uploadOk(a, Buffer.from(`file ${i}`), `f${i}.txt`)).id);

      expectError(await sendFiles(a, chat, ids), 400, 'TOO_MANY_ATTACHMENTS');
      const ten = await sendFilesOk(a, chat, ids.slice(0, 10));
      expect(ten.attachments.map((x) => x.id)).toEqual(ids.slice(0, 10));
      expect(ten.attachments[3]).toEqual({
        id: ids[3],
        filename: 'f3.txt',
        mimeType: 'application/octet-stream',
        size: 6,
        sha256: sha256(Buffer.from('file 3')),
        createdAt: anyString(),
      });

      const bs = await uploadOk(b);
      expectError(await sendFiles(a, chat, [bs.id]), 404, 'ATTACHMENT_NOT_FOUND'); // someone else's
      expectError(await sendFiles(a, chat, [randomUUID()]), 404, 'ATTACHMENT_NOT_FOUND'); // unknown
      expectError(await sendFiles(a, chat, [ids[0]]), 404, 'ATTACHMENT_NOT_FOUND'); // already used
      expectError(await sendFiles(a, chat, [ids[10], ids[0]]), 404, 'ATTACHMENT_NOT_FOUND'); // all or nothing
      // The failed sends claimed nothing: the 11th still goes on a message.
      const last = await sendFilesOk(a, chat, [ids[10]], 'the last one');
      expect(last.attachments.map((x) => x.id)).toEqual([ids[10]]);
    });

    it('a forward carries the same attachments, and members of the target chat can download them', async () => {
      const [a, b, c] = await api.newUsers(3);
      const ab = (await api.newDirect(a, b)).id;
      const bc = (await api.newDirect(b, c)).id;
      const data = randomBytes(2048);
      const att = await uploadOk(a, data, 'shared.bin');
      const m = await sendFilesOk(a, ab, [att.id]);
      expect((await api.download(c, att.id)).status).toBe(404);

      const fw = await api.forward(b, bc, { fromChatId: ab, seqs: [m.seq] });
      expect(fw.status).toBe(201);
      expect(fw.body.items[0].attachments.map((x) => x.id)).toEqual([att.id]);
      const got = await api.download(c, att.id);
      expect(got.status).toBe(200);
      expect(got.body.equals(data)).toBe(true);
    });
  });

  describe('GET /api/attachments/:id', () => {
    it('is for the uploader and members who see a message carrying it; 404 for anyone else', async () => {
      const [owner, member, hider, outsider] = await api.newUsers(4);
      const g = (await api.newGroup(owner, [member, hider], 'files')).id;
      const unused = await uploadOk(owner);
      // Not on a message yet: the uploader only.
      expect((await api.download(owner, unused.id)).status).toBe(200);
      expectError(await api.get(`/api/attachments/${unused.id}`, member), 404, 'ATTACHMENT_NOT_FOUND');

      const att = await uploadOk(owner);
      const m = await sendFilesOk(owner, g, [att.id]);
      expect((await api.download(owner, att.id)).status).toBe(200);
      expect((await api.download(member, att.id)).status).toBe(200);
      expect((await api.download(hider, att.id)).status).toBe(200);
      expectError(await api.get(`/api/attachments/${att.id}`, outsider), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api.get(`/api/attachments/${randomUUID()}`, owner), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api.get('/api/attachments/not-a-uuid', owner), 400, 'VALIDATION_FAILED');

      // Hidden for one member (delete for me): that member no longer sees it.
      expect((await api.deleteMessage(hider, g, m.seq, 'me')).status).toBe(204);
      expectError(await api.get(`/api/attachments/${att.id}`, hider), 404, 'ATTACHMENT_NOT_FOUND');
      expect((await api.download(member, att.id)).status).toBe(200);

      // Behind a member's dialog cut-off ("delete the dialog for me").
      expect((await api.deleteChat(member, g)).status).toBe(204);
      expectError(await api.get(`/api/attachments/${att.id}`, member), 404, 'ATTACHMENT_NOT_FOUND');

      // Deleted for everyone: only the uploader still has it (it is their upload).
      const att2 = await uploadOk(owner);
      const m2 = await sendFilesOk(owner, g, [att2.id]);
      expect((await api.download(hider, att2.id)).status).toBe(200);
      expect((await api.deleteMessage(owner, g, m2.seq, 'everyone')).status).toBe(204);
      expectError(await api.get(`/api/attachments/${att2.id}`, hider), 404, 'ATTACHMENT_NOT_FOUND');
    });
  });

  describe('DELETE /api/attachments/:id', () => {
    it('by the uploader: 204, then 404 for everyone, and its messages (forwards too) no longer list it', async () => {
      const [a, b, c] = await api.newUsers(3);
      const ab = (await api.newDirect(a, b)).id;
      const bc = (await api.newDirect(b, c)).id;
      const keep = await uploadOk(a);
      const gone = await uploadOk(a);
      const m = await sendFilesOk(a, ab, [gone.id, keep.id], 'two files');
      const fw = await api.forward(b, bc, { fromChatId: ab, seqs: [m.seq] });
      expect(fw.status).toBe(201);

      expectError(await api.deleteAttachment(b, gone.id), 404, 'ATTACHMENT_NOT_FOUND');
      expect((await api.download(b, gone.id)).status).toBe(200);

      const [sb, sc] = await Promise.all([connectSocket(svc.url, b.accessToken), connectSocket(svc.url, c.accessToken)]);
      try {
        expect((await api.deleteAttachment(a, gone.id)).status).toBe(204);
        // Each message carrying it is announced without it: the original to its chat, the forward to its own.
        const original = await sb.waitFor('message:updated', (msg) => msg.id === m.id);
        expect(original.attachments.map((x) => x.id)).toEqual([keep.id]);
        expect(original.text).toBe('two files');
        const forward = await sc.waitFor('message:updated', (msg) => msg.id === fw.body.items[0].id);
        expect(forward.attachments.map((x) => x.id)).toEqual([keep.id]);
      } finally {
        sb.close();
        sc.close();
      }
      for (const u of [a, b, c]) expectError(await api.get(`/api/attachments/${gone.id}`, u), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api.deleteAttachment(a, gone.id), 404, 'ATTACHMENT_NOT_FOUND');

      const inAb = ok(await api.history(b, ab));
      expect(inAb.items.at(-1)!.attachments.map((x) => x.id)).toEqual([keep.id]);
      const inBc = ok(await api.history(c, bc));
      expect(inBc.items.at(-1)!.attachments.map((x) => x.id)).toEqual([keep.id]);
      // The row stays, flagged; the other attachment is untouched.
      const { rows } = await svc.db.query<{ id: string; deleted_at: Date | null }>(
        'SELECT id, deleted_at FROM attachments WHERE id = ANY($1)',
        [[gone.id, keep.id]],
      );
      expect(rows.find((r) => r.id === gone.id)!.deleted_at).not.toBeNull();
      expect(rows.find((r) => r.id === keep.id)!.deleted_at).toBeNull();
      expect((await api.download(c, keep.id)).status).toBe(200);
    });
  });
});
