import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { TestUser, expectError, registerUser, registerUsers } from './support/api';
import { connectSocket } from './support/sockets';
import { TestService, startTestService } from './support/service';

/**
 * Attachments against the built service, a real PostgreSQL and real files: upload (streamed,
 * hashed, MIME sniffed, size cap), download rights and HTTP semantics, delete, clean-up.
 */

type Json = Record<string, any>;

const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/** A tiny but real PNG (1×1, red). */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082',
  'hex',
);

/** Reads any response body as raw bytes. */
function binary(res: unknown, done: (err: Error | null, body: Buffer) => void) {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** Every file under `dir`, as paths relative to it (none when it does not exist). */
function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return names.filter((n) => statSync(join(dir, n)).isFile());
}

/** A multipart body written by hand, to send exactly the part headers a hostile client would. */
function multipart(parts: Array<{ disposition: string; contentType?: string; data: Buffer | string }>) {
  const boundary = `----x${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; ${p.disposition}\r\n`;
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function helpers(svc: () => TestService) {
  const api = () => request(svc().url);
  return {
    api,
    upload(u: TestUser, data: Buffer, filename = 'file.bin', contentType = 'application/octet-stream') {
      return api().post('/api/attachments').set(u.auth).attach('file', data, { filename, contentType });
    },
    async uploadOk(u: TestUser, data: Buffer = randomBytes(64), filename = 'file.bin'): Promise<Json> {
      const res = await api()
        .post('/api/attachments')
        .set(u.auth)
        .attach('file', data, { filename, contentType: 'application/octet-stream' });
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    download(u: TestUser, id: string) {
      return api().get(`/api/attachments/${id}`).set(u.auth).buffer(true).parse(binary);
    },
    async direct(a: TestUser, b: TestUser): Promise<string> {
      const res = await api().post('/api/chats').set(a.auth).send({ type: 'direct', userId: b.id });
      if (res.status !== 201 && res.status !== 200) throw new Error(`direct: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    async group(owner: TestUser, members: TestUser[]): Promise<string> {
      const res = await api()
        .post('/api/chats')
        .set(owner.auth)
        .send({ type: 'group', title: 'files', memberIds: members.map((m) => m.id) });
      if (res.status !== 201) throw new Error(`group: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    send(u: TestUser, chatId: string, attachmentIds: string[], text?: string) {
      return api().post(`/api/chats/${chatId}/messages`).set(u.auth).send({ clientId: randomUUID(), text, attachmentIds });
    },
    async sendOk(u: TestUser, chatId: string, attachmentIds: string[], text?: string): Promise<Json> {
      const res = await api().post(`/api/chats/${chatId}/messages`).set(u.auth).send({ clientId: randomUUID(), text, attachmentIds });
      if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}

describe('attachments (real service, real PostgreSQL, real files)', () => {
  let svc: TestService;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attachments-e2e-'));
    svc = await startTestService({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const h = helpers(() => svc);
  const { api } = h;
  const storedPath = async (id: string) => {
    const { rows } = await svc.db.query('SELECT storage_key FROM attachments WHERE id = $1', [id]);
    return join(dataDir, 'attachments', rows[0].storage_key);
  };

  describe('POST /api/attachments', () => {
    it('stores the exact bytes with their hash and gives them back identical', async () => {
      const u = await registerUser(svc.url);
      const data = randomBytes(300 * 1024);
      const res = await h.upload(u, data, 'random.bin');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        filename: 'random.bin',
        mimeType: 'application/octet-stream',
        size: data.length,
        sha256: sha256(data),
        createdAt: expect.stringMatching(/Z$/),
      });
      // On disk under DATA_DIR/attachments, under a server-made name.
      const file = await storedPath(res.body.id);
      expect(file.startsWith(join(dataDir, 'attachments'))).toBe(true);
      expect(file).not.toContain('random');
      expect(readFileSync(file).equals(data)).toBe(true);

      const got = await h.download(u, res.body.id);
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
      const u = await registerUser(svc.url);
      const res = await h.upload(u, PNG, 'not-an-image.txt', 'text/html');
      expect(res.status).toBe(201);
      expect(res.body.mimeType).toBe('image/png');
      const got = await h.download(u, res.body.id);
      expect(got.headers['content-type']).toBe('image/png');
      // And a PDF declared as PNG is a PDF.
      const pdf = await h.upload(u, Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'), 'x.png', 'image/png');
      expect(pdf.body.mimeType).toBe('application/pdf');
    });

    it('keeps a hostile file name only as safe metadata and serves it in a safe Content-Disposition', async () => {
      const u = await registerUser(svc.url);
      const hostile = '../../etc/passwd\u0000\r\n.png';
      const form = multipart([
        { disposition: `name="file"; filename*=UTF-8''${encodeURIComponent(hostile)}`, contentType: 'image/png', data: PNG },
      ]);
      const res = await api().post('/api/attachments').set(u.auth).set('Content-Type', form.contentType).send(form.body);
      expect(res.status).toBe(201);
      expect(res.body.filename).toBe('passwd.png');
      const file = await storedPath(res.body.id);
      expect(file).not.toMatch(/passwd|etc|\.\./);
      expect(filesUnder(join(dataDir, 'etc'))).toEqual([]);

      const got = await h.download(u, res.body.id);
      expect(got.headers['content-disposition']).toBe(`attachment; filename="passwd.png"; filename*=UTF-8''passwd.png`);

      // Non-ASCII and quotes: an ASCII fallback plus the exact name, percent-encoded.
      const named = multipart([
        { disposition: `name="file"; filename="\u041e\u0442\u0447\u0451\u0442 \\"Q1\\".pdf"`, data: Buffer.from('hello') },
      ]);
      const res2 = await api().post('/api/attachments').set(u.auth).set('Content-Type', named.contentType).send(named.body);
      expect(res2.status).toBe(201);
      expect(res2.body.filename).toBe('Отчёт "Q1".pdf');
      const got2 = await h.download(u, res2.body.id);
      expect(got2.headers['content-disposition']).toBe(
        `attachment; filename="_____ _Q1_.pdf"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22Q1%22.pdf`,
      );
    });

    it('answers 400 VALIDATION_FAILED without a file in the field "file", and 401 without a token', async () => {
      const u = await registerUser(svc.url);
      expectError(await api().post('/api/attachments').set(u.auth).send({ file: 'abc' }), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/attachments').set(u.auth).field('file', 'just text'), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/attachments').set(u.auth).attach('document', PNG, 'a.png'), 400, 'VALIDATION_FAILED');
      expectError(
        await api().post('/api/attachments').set(u.auth).attach('file', PNG, 'a.png').attach('file', PNG, 'b.png'),
        400,
        'VALIDATION_FAILED',
      );
      const cut = multipart([{ disposition: 'name="file"; filename="a.bin"', data: 'abc' }]);
      const truncated = cut.body.subarray(0, cut.body.length - 10);
      expectError(
        await api().post('/api/attachments').set(u.auth).set('Content-Type', cut.contentType).send(truncated),
        400,
        'VALIDATION_FAILED',
      );
      expectError(await api().post('/api/attachments').attach('file', PNG, 'a.png'), 401, 'UNAUTHORIZED');
      // None of these left a row or a file behind.
      const { rows } = await svc.db.query('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [u.id]);
      expect(rows[0].n).toBe(0);
      expect(filesUnder(join(dataDir, 'attachments', 'tmp'))).toEqual([]);
    });
  });

  describe('on messages', () => {
    it("a message takes up to 10 of the sender's own unused uploads; 11 → 400, others' / unknown / used → 404", async () => {
      const [a, b] = await registerUsers(svc.url, 2);
      const chat = await h.direct(a, b);
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) ids.push((await h.uploadOk(a, Buffer.from(`file ${i}`), `f${i}.txt`)).id);

      expectError(await h.send(a, chat, ids), 400, 'TOO_MANY_ATTACHMENTS');
      const ten = await h.sendOk(a, chat, ids.slice(0, 10));
      expect(ten.attachments.map((x: Json) => x.id)).toEqual(ids.slice(0, 10));
      expect(ten.attachments[3]).toEqual({
        id: ids[3],
        filename: 'f3.txt',
        mimeType: 'application/octet-stream',
        size: 6,
        sha256: sha256(Buffer.from('file 3')),
        createdAt: expect.any(String),
      });

      const bs = await h.uploadOk(b);
      expectError(await h.send(a, chat, [bs.id]), 404, 'ATTACHMENT_NOT_FOUND'); // someone else's
      expectError(await h.send(a, chat, [randomUUID()]), 404, 'ATTACHMENT_NOT_FOUND'); // unknown
      expectError(await h.send(a, chat, [ids[0]]), 404, 'ATTACHMENT_NOT_FOUND'); // already used
      expectError(await h.send(a, chat, [ids[10], ids[0]]), 404, 'ATTACHMENT_NOT_FOUND'); // all or nothing
      // The failed sends claimed nothing: the 11th still goes on a message.
      const last = await h.sendOk(a, chat, [ids[10]], 'the last one');
      expect(last.attachments.map((x: Json) => x.id)).toEqual([ids[10]]);
    });

    it('a forward carries the same attachments, and members of the target chat can download them', async () => {
      const [a, b, c] = await registerUsers(svc.url, 3);
      const ab = await h.direct(a, b);
      const bc = await h.direct(b, c);
      const data = randomBytes(2048);
      const att = await h.uploadOk(a, data, 'shared.bin');
      const m = await h.sendOk(a, ab, [att.id]);
      expect((await h.download(c, att.id)).status).toBe(404);

      const fw = await api()
        .post(`/api/chats/${bc}/messages/forward`)
        .set(b.auth)
        .send({ fromChatId: ab, seqs: [m.seq] });
      expect(fw.status).toBe(201);
      expect(fw.body.items[0].attachments.map((x: Json) => x.id)).toEqual([att.id]);
      const got = await h.download(c, att.id);
      expect(got.status).toBe(200);
      expect(got.body.equals(data)).toBe(true);
    });
  });

  describe('GET /api/attachments/:id', () => {
    it('is for the uploader and members who see a message carrying it; 404 for anyone else', async () => {
      const [owner, member, hider, outsider] = await registerUsers(svc.url, 4);
      const g = await h.group(owner, [member, hider]);
      const unused = await h.uploadOk(owner);
      // Not on a message yet: the uploader only.
      expect((await h.download(owner, unused.id)).status).toBe(200);
      expectError(await api().get(`/api/attachments/${unused.id}`).set(member.auth), 404, 'ATTACHMENT_NOT_FOUND');

      const att = await h.uploadOk(owner);
      const m = await h.sendOk(owner, g, [att.id]);
      expect((await h.download(owner, att.id)).status).toBe(200);
      expect((await h.download(member, att.id)).status).toBe(200);
      expect((await h.download(hider, att.id)).status).toBe(200);
      expectError(await api().get(`/api/attachments/${att.id}`).set(outsider.auth), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api().get(`/api/attachments/${randomUUID()}`).set(owner.auth), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api().get('/api/attachments/not-a-uuid').set(owner.auth), 400, 'VALIDATION_FAILED');

      // Hidden for one member (delete for me): that member no longer sees it.
      expect((await api().delete(`/api/chats/${g}/messages/${m.seq}?scope=me`).set(hider.auth)).status).toBe(204);
      expectError(await api().get(`/api/attachments/${att.id}`).set(hider.auth), 404, 'ATTACHMENT_NOT_FOUND');
      expect((await h.download(member, att.id)).status).toBe(200);

      // Behind a member's dialog cut-off ("delete the dialog for me").
      expect((await api().delete(`/api/chats/${g}`).set(member.auth)).status).toBe(204);
      expectError(await api().get(`/api/attachments/${att.id}`).set(member.auth), 404, 'ATTACHMENT_NOT_FOUND');

      // Deleted for everyone: only the uploader still has it (it is their upload).
      const att2 = await h.uploadOk(owner);
      const m2 = await h.sendOk(owner, g, [att2.id]);
      expect((await h.download(hider, att2.id)).status).toBe(200);
      expect((await api().delete(`/api/chats/${g}/messages/${m2.seq}?scope=everyone`).set(owner.auth)).status).toBe(204);
      expectError(await api().get(`/api/attachments/${att2.id}`).set(hider.auth), 404, 'ATTACHMENT_NOT_FOUND');
    });

    it('serves a single byte range (206), and 416 with the error body when it starts past the end', async () => {
      const u = await registerUser(svc.url);
      const data = randomBytes(10_000);
      const att = await h.uploadOk(u, data);
      const get = (range: string) => api().get(`/api/attachments/${att.id}`).set(u.auth).set('Range', range).buffer(true).parse(binary);

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

      const bad = await api().get(`/api/attachments/${att.id}`).set(u.auth).set('Range', 'bytes=10000-');
      expectError(bad, 416, 'RANGE_NOT_SATISFIABLE');
      expect(bad.headers['content-range']).toBe('bytes */10000');

      // A stale If-Range (another version's ETag): the whole file instead of the range.
      const stale = await api()
        .get(`/api/attachments/${att.id}`)
        .set(u.auth)
        .set('Range', 'bytes=0-9')
        .set('If-Range', '"other"')
        .buffer(true)
        .parse(binary);
      expect(stale.status).toBe(200);
      expect(stale.body.length).toBe(10_000);
    });

    it('answers If-None-Match with the ETag with 304 and no body', async () => {
      const u = await registerUser(svc.url);
      const att = await h.uploadOk(u);
      const res = await api().get(`/api/attachments/${att.id}`).set(u.auth).set('If-None-Match', `"${att.sha256}"`);
      expect(res.status).toBe(304);
      expect(res.headers['etag']).toBe(`"${att.sha256}"`);
      expect(res.text ?? '').toBe('');
      const other = await api().get(`/api/attachments/${att.id}`).set(u.auth).set('If-None-Match', '"something-else"');
      expect(other.status).toBe(200);
    });
  });

  describe('DELETE /api/attachments/:id', () => {
    it('by the uploader: 204, then 404 for everyone, and its messages (forwards too) no longer list it', async () => {
      const [a, b, c] = await registerUsers(svc.url, 3);
      const ab = await h.direct(a, b);
      const bc = await h.direct(b, c);
      const keep = await h.uploadOk(a);
      const gone = await h.uploadOk(a);
      const m = await h.sendOk(a, ab, [gone.id, keep.id], 'two files');
      const fw = await api()
        .post(`/api/chats/${bc}/messages/forward`)
        .set(b.auth)
        .send({ fromChatId: ab, seqs: [m.seq] });
      expect(fw.status).toBe(201);

      expectError(await api().delete(`/api/attachments/${gone.id}`).set(b.auth), 404, 'ATTACHMENT_NOT_FOUND');
      expect((await h.download(b, gone.id)).status).toBe(200);

      const [sb, sc] = await Promise.all([connectSocket(svc.url, b.accessToken), connectSocket(svc.url, c.accessToken)]);
      try {
        expect((await api().delete(`/api/attachments/${gone.id}`).set(a.auth)).status).toBe(204);
        // Each message carrying it is announced without it: the original to its chat, the forward to its own.
        const original = await sb.waitFor('message:updated', (msg: Json) => msg.id === m.id);
        expect(original.attachments.map((x: Json) => x.id)).toEqual([keep.id]);
        expect(original.text).toBe('two files');
        const forward = await sc.waitFor('message:updated', (msg: Json) => msg.id === fw.body.items[0].id);
        expect(forward.attachments.map((x: Json) => x.id)).toEqual([keep.id]);
      } finally {
        sb.close();
        sc.close();
      }
      for (const u of [a, b, c]) expectError(await api().get(`/api/attachments/${gone.id}`).set(u.auth), 404, 'ATTACHMENT_NOT_FOUND');
      expectError(await api().delete(`/api/attachments/${gone.id}`).set(a.auth), 404, 'ATTACHMENT_NOT_FOUND');

      const inAb = await api().get(`/api/chats/${ab}/messages`).set(b.auth);
      expect(inAb.body.items.at(-1).attachments.map((x: Json) => x.id)).toEqual([keep.id]);
      const inBc = await api().get(`/api/chats/${bc}/messages`).set(c.auth);
      expect(inBc.body.items.at(-1).attachments.map((x: Json) => x.id)).toEqual([keep.id]);
      // The row stays, flagged; the other attachment is untouched.
      const { rows } = await svc.db.query('SELECT id, deleted_at FROM attachments WHERE id = ANY($1)', [[gone.id, keep.id]]);
      expect(rows.find((r) => r.id === gone.id).deleted_at).not.toBeNull();
      expect(rows.find((r) => r.id === keep.id).deleted_at).toBeNull();
      expect((await h.download(c, keep.id)).status).toBe(200);
    });
  });
});

describe('attachments: size cap and clean-up (small limits)', () => {
  let svc: TestService;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attachments-e2e-small-'));
    svc = await startTestService({
      DATA_DIR: dataDir,
      ATTACHMENT_MAX_BYTES: '1000',
      ATTACHMENT_CLEANUP_INTERVAL_MS: '500',
      // Long enough that an upload is surely attached before it expires, even on a busy machine.
      ATTACHMENT_UNUSED_TTL_MS: '3000',
    });
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const h = helpers(() => svc);
  const root = () => join(dataDir, 'attachments');
  const onDisk = async (id: string) => {
    const { rows } = await svc.db.query('SELECT storage_key FROM attachments WHERE id = $1', [id]);
    return filesUnder(root()).includes(rows[0].storage_key);
  };

  it('cuts off an upload past ATTACHMENT_MAX_BYTES with 413, leaving no file and no row', async () => {
    const u = await registerUser(svc.url);
    expectError(await h.upload(u, randomBytes(5000)), 413, 'ATTACHMENT_TOO_LARGE');
    expectError(await h.upload(u, randomBytes(1001)), 413, 'ATTACHMENT_TOO_LARGE');
    // Declared far too large: refused before reading.
    expectError(await h.upload(u, randomBytes(2 * 1024 * 1024)), 413, 'ATTACHMENT_TOO_LARGE');
    expect(filesUnder(root())).toEqual([]);
    const { rows } = await svc.db.query('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [u.id]);
    expect(rows[0].n).toBe(0);
    // Exactly at the cap is fine.
    const ok = await h.upload(u, randomBytes(1000));
    expect(ok.status).toBe(201);
    expect(ok.body.size).toBe(1000);
  });

  it('leaves no partial file and no row when the client goes away mid-upload', async () => {
    const u = await registerUser(svc.url);
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
    await until('the temporary file', async () => filesUnder(join(root(), 'tmp')).length > 0);
    req.destroy();
    await until('the temporary file to go', async () => filesUnder(join(root(), 'tmp')).length === 0);
    expect(filesUnder(root()).filter((f) => !before.includes(f))).toEqual([]);
    const { rows } = await svc.db.query('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [u.id]);
    expect(rows[0].n).toBe(0);
  });

  it('removes the bytes of unused uploads after the TTL and of deleted ones; attached ones stay; rows stay', async () => {
    const [a, b] = await registerUsers(svc.url, 2);
    const chat = await h.direct(a, b);
    const attached = await h.uploadOk(a);
    await h.sendOk(a, chat, [attached.id]);
    const unused = await h.uploadOk(a);
    const deleted = await h.uploadOk(a);
    const sent = await h.uploadOk(a);
    await h.sendOk(a, chat, [sent.id]);
    expect(await onDisk(unused.id)).toBe(true);
    expect((await h.api().delete(`/api/attachments/${deleted.id}`).set(a.auth)).status).toBe(204);
    expect((await h.api().delete(`/api/attachments/${sent.id}`).set(a.auth)).status).toBe(204);

    const purgedAt = async (id: string) =>
      (await svc.db.query('SELECT purged_at FROM attachments WHERE id = $1', [id])).rows[0]?.purged_at as Date | null;
    for (const id of [unused.id, deleted.id, sent.id]) {
      await until(`the clean-up of ${id}`, async () => (await purgedAt(id)) !== null);
      expect(await onDisk(id)).toBe(false);
    }
    // The expired upload can no longer be put on a message, nor downloaded.
    expectError(await h.send(a, chat, [unused.id]), 404, 'ATTACHMENT_NOT_FOUND');
    expectError(await h.api().get(`/api/attachments/${unused.id}`).set(a.auth), 404, 'ATTACHMENT_NOT_FOUND');

    // The attached one is older than the TTL too, and stays.
    expect(await onDisk(attached.id)).toBe(true);
    expect(await purgedAt(attached.id)).toBeNull();
    const got = await h.download(b, attached.id);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(attached.sha256);
    const { rows } = await svc.db.query('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [a.id]);
    expect(rows[0].n).toBe(4);
  });
});
