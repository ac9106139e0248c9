import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectError, reply } from '../support/api';
import type { AttachmentDto } from '../support/contract';
import { anIsoTime, aUuid } from '../support/matchers';
import { useService } from '../support/service';
import { attachmentHelpers, filesUnder, multipart, PNG, sha256 } from './support';

/**
 * Attachments' bytes against the built service and real files: upload (streamed, hashed, MIME
 * sniffed), names, and the HTTP semantics of downloads (ranges, ETag).
 */
describe('attachments: upload and download', () => {
  const svc = useService({}, { dataDir: true });
  const { api } = svc;
  const { root, uploadOk, storageKey, uploadsOf } = attachmentHelpers(svc);
  const storedPath = async (id: string) => join(root(), await storageKey(id));
  /** A hand-made multipart upload. */
  const uploadRaw = (u: { auth: Record<string, string> }, form: { contentType: string; body: Buffer }) =>
    reply<AttachmentDto>(api.request().post('/api/attachments').set(u.auth).set('Content-Type', form.contentType).send(form.body));

  describe('POST /api/attachments', () => {
    it('stores the exact bytes with their hash and gives them back identical', async () => {
      const u = await api.newUser();
      const data = randomBytes(300 * 1024);
      const res = await api.upload(u, data, 'random.bin');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: aUuid(),
        filename: 'random.bin',
        mimeType: 'application/octet-stream',
        size: data.length,
        sha256: sha256(data),
        createdAt: anIsoTime(),
      });
      // On disk under DATA_DIR/attachments, under a server-made name.
      const file = await storedPath(res.body.id);
      expect(file.startsWith(root())).toBe(true);
      expect(file).not.toContain('random');
      expect(readFileSync(file).equals(data)).toBe(true);

      const got = await api.download(u, res.body.id);
      expect(got.status).toBe(200);
      expect(Buffer.isBuffer(got.body) && got.body.equals(data)).toBe(true);
      expect(got.headers['content-type']).toBe('application/octet-stream');
      expect(got.headers['content-length']).toBe(String(data.length));
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(got.headers['content-disposition']).toBe(`attachment; filename="random.bin"; filename*=UTF-8''random.bin`);
      expect(got.headers['etag']).toBe(`"${sha256(data)}"`);
      expect(got.headers['accept-ranges']).toBe('bytes');
    });

    it('takes the MIME type from the content, not from the name or the declared type', async () => {
      const u = await api.newUser();
      const res = await api.upload(u, PNG, 'not-an-image.txt', 'text/html');
      expect(res.status).toBe(201);
      expect(res.body.mimeType).toBe('image/png');
      const got = await api.download(u, res.body.id);
      expect(got.headers['content-type']).toBe('image/png');
      // And a PDF declared as PNG is a PDF.
      const pdf = await api.upload(u, Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'), 'x.png', 'image/png');
      expect(pdf.body.mimeType).toBe('application/pdf');
    });

    it('keeps a hostile file name only as safe metadata and serves it in a safe Content-Disposition', async () => {
      const u = await api.newUser();
      const hostile = '../../etc/passwd\u0000\r\n.png';
      const form = multipart([
        { disposition: `name="file"; filename*=UTF-8''${encodeURIComponent(hostile)}`, contentType: 'image/png', data: PNG },
      ]);
      const res = await uploadRaw(u, form);
      expect(res.status).toBe(201);
      expect(res.body.filename).toBe('passwd.png');
      const file = await storedPath(res.body.id);
      expect(file).not.toMatch(/passwd|etc|\.\./);
      expect(filesUnder(join(svc.dataDir!, 'etc'))).toEqual([]);

      const got = await api.download(u, res.body.id);
      expect(got.headers['content-disposition']).toBe(`attachment; filename="passwd.png"; filename*=UTF-8''passwd.png`);

      // Non-ASCII and quotes: an ASCII fallback plus the exact name, percent-encoded.
      const named = multipart([
        { disposition: `name="file"; filename="\u041e\u0442\u0447\u0451\u0442 \\"Q1\\".pdf"`, data: Buffer.from('hello') },
      ]);
      const res2 = await uploadRaw(u, named);
      expect(res2.status).toBe(201);
      expect(res2.body.filename).toBe('Отчёт "Q1".pdf');
      const got2 = await api.download(u, res2.body.id);
      expect(got2.headers['content-disposition']).toBe(
        `attachment; filename="_____ _Q1_.pdf"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22Q1%22.pdf`,
      );
    });

    it('answers 400 VALIDATION_FAILED without a file in the field "file", and 401 without a token', async () => {
      const u = await api.newUser();
      const post = () => api.request().post('/api/attachments');
      expectError(await post().set(u.auth).send({ file: 'abc' }), 400, 'VALIDATION_FAILED');
      expectError(await post().set(u.auth).field('file', 'just text'), 400, 'VALIDATION_FAILED');
      expectError(await post().set(u.auth).attach('document', PNG, 'a.png'), 400, 'VALIDATION_FAILED');
      expectError(await post().set(u.auth).attach('file', PNG, 'a.png').attach('file', PNG, 'b.png'), 400, 'VALIDATION_FAILED');
      const cut = multipart([{ disposition: 'name="file"; filename="a.bin"', data: 'abc' }]);
      const truncated = cut.body.subarray(0, cut.body.length - 10);
      expectError(await uploadRaw(u, { contentType: cut.contentType, body: truncated }), 400, 'VALIDATION_FAILED');
      expectError(await api.upload(null, PNG, 'a.png'), 401, 'UNAUTHORIZED');
      // None of these left a row or a file behind.
      expect(await uploadsOf(u)).toBe(0);
      expect(filesUnder(join(root(), 'tmp'))).toEqual([]);
    });
  });

  describe('GET /api/attachments/:id (HTTP semantics)', () => {
    it('serves a single byte range (206), and 416 with the error body when it starts past the end', async () => {
      const u = await api.newUser();
      const data = randomBytes(10_000);
      const att = await uploadOk(u, data);
      const get = (range: string) => api.download(u, att.id, { Range: range });

      const mid = await get('bytes=100-1099');
      expect(mid.status).toBe(206);
      expect(mid.body.equals(data.subarray(100, 1100))).toBe(true);
      expect(mid.headers['content-range']).toBe('bytes 100-1099/10000');
      expect(mid.headers['content-length']).toBe('1000');
      expect(mid.headers['content-type']).toBe('application/octet-stream');

      const tail = await get('bytes=9990-');
      expect(tail.status).toBe(206);
      expect(tail.body.equals(data.subarray(9990))).toBe(true);
      expect(tail.headers['content-range']).toBe('bytes 9990-9999/10000');

      const suffix = await get('bytes=-16');
      expect(suffix.status).toBe(206);
      expect(suffix.body.equals(data.subarray(10_000 - 16))).toBe(true);

      const bad = await api.request().get(`/api/attachments/${att.id}`).set(u.auth).set('Range', 'bytes=10000-');
      expectError(bad, 416, 'RANGE_NOT_SATISFIABLE');
      expect(bad.headers['content-range']).toBe('bytes */10000');

      // A stale If-Range (another version's ETag): the whole file instead of the range.
      const stale = await api.download(u, att.id, { Range: 'bytes=0-9', 'If-Range': '"other"' });
      expect(stale.status).toBe(200);
      expect(stale.body.length).toBe(10_000);
    });

    it('answers If-None-Match with the ETag with 304 and no body', async () => {
      const u = await api.newUser();
      const att = await uploadOk(u);
      const res = await api.request().get(`/api/attachments/${att.id}`).set(u.auth).set('If-None-Match', `"${att.sha256}"`);
      expect(res.status).toBe(304);
      expect(res.headers['etag']).toBe(`"${att.sha256}"`);
      expect(res.text ?? '').toBe('');
      const other = await api.request().get(`/api/attachments/${att.id}`).set(u.auth).set('If-None-Match', '"something-else"');
      expect(other.status).toBe(200);
    });
  });
});
