import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { expectError } from '../support/api';
import { useService } from '../support/service';
import { eventually } from '../support/wait';
import { attachmentHelpers, filesUnder, sha256 } from './support';

describe('attachments: size cap and clean-up (small limits)', () => {
  const svc = useService(
    {
      ATTACHMENT_MAX_BYTES: '1000',
      ATTACHMENT_CLEANUP_INTERVAL_MS: '500',
      // Long enough that an upload is surely attached before it expires, even on a busy machine.
      ATTACHMENT_UNUSED_TTL_MS: '3000',
    },
    { dataDir: true },
  );
  const { api } = svc;
  const { root, uploadOk, sendFiles, sendFilesOk, storageKey, uploadsOf } = attachmentHelpers(svc);
  const onDisk = async (id: string) => filesUnder(root()).includes(await storageKey(id));
  const tmpFiles = () => Promise.resolve(filesUnder(join(root(), 'tmp')).length);

  it('cuts off an upload past ATTACHMENT_MAX_BYTES with 413, leaving no file and no row', async () => {
    const u = await api.newUser();
    expectError(await api.upload(u, randomBytes(5000)), 413, 'ATTACHMENT_TOO_LARGE');
    expectError(await api.upload(u, randomBytes(1001)), 413, 'ATTACHMENT_TOO_LARGE');
    // Declared far too large: refused before reading.
    expectError(await api.upload(u, randomBytes(2 * 1024 * 1024)), 413, 'ATTACHMENT_TOO_LARGE');
    expect(filesUnder(root())).toEqual([]);
    expect(await uploadsOf(u)).toBe(0);
    // Exactly at the cap is fine.
    const res = await api.upload(u, randomBytes(1000));
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(1000);
  });

  it('leaves no partial file and no row when the client goes away mid-upload', async () => {
    const u = await api.newUser();
    const before = filesUnder(root());
    const boundary = 'xxBOUNDARYxx';
    const req = http.request(`${svc.url}/api/attachments`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
    });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="partial.bin"\r\n\r\n`);
    req.write(randomBytes(500));
    // The write has begun: a temporary file exists.
    await eventually(tmpFiles, (n) => n > 0, 'the temporary file');
    req.destroy();
    await eventually(tmpFiles, (n) => n === 0, 'the temporary file to go');
    expect(filesUnder(root()).filter((f) => !before.includes(f))).toEqual([]);
    expect(await uploadsOf(u)).toBe(0);
  });

  it('removes the bytes of unused uploads after the TTL and of deleted ones; attached ones stay; rows stay', async () => {
    const [a, b] = await api.newUsers(2);
    const chat = (await api.newDirect(a, b)).id;
    const attached = await uploadOk(a);
    await sendFilesOk(a, chat, [attached.id]);
    const unused = await uploadOk(a);
    const deleted = await uploadOk(a);
    const sent = await uploadOk(a);
    await sendFilesOk(a, chat, [sent.id]);
    expect(await onDisk(unused.id)).toBe(true);
    expect((await api.deleteAttachment(a, deleted.id)).status).toBe(204);
    expect((await api.deleteAttachment(a, sent.id)).status).toBe(204);

    const purgedAt = async (id: string) =>
      (await svc.db.query<{ purged_at: Date | null }>('SELECT purged_at FROM attachments WHERE id = $1', [id])).rows[0]?.purged_at;
    for (const id of [unused.id, deleted.id, sent.id]) {
      await eventually(
        () => purgedAt(id),
        (at) => at != null,
        `the clean-up of ${id}`,
      );
      expect(await onDisk(id)).toBe(false);
    }
    // The expired upload can no longer be put on a message, nor downloaded.
    expectError(await sendFiles(a, chat, [unused.id]), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await api.get(`/api/attachments/${unused.id}`, a), 404, 'ATTACHMENT_NOT_FOUND');

    // The attached one is older than the TTL too, and stays.
    expect(await onDisk(attached.id)).toBe(true);
    expect(await purgedAt(attached.id)).toBeNull();
    const got = await api.download(b, attached.id);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(attached.sha256);
    expect(await uploadsOf(a)).toBe(4);
  });
});
