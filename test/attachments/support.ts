import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Caller, ok } from '../support/api';
import type { AttachmentDto, MessageDto } from '../support/contract';
import type { TestService } from '../support/service';

export const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/** A tiny but real PNG (1×1, red). */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082',
  'hex',
);

/** Every file under `dir`, as paths relative to it (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return names.filter((n) => statSync(join(dir, n)).isFile());
}

/** A multipart body written by hand, to send exactly the part headers a hostile client would. */
export function multipart(parts: Array<{ disposition: string; contentType?: string; data: Buffer | string }>) {
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

/** Uploads and sends that must succeed, and where the service (with a DATA_DIR of its own) keeps the files. */
export function attachmentHelpers(svc: TestService) {
  const { api } = svc;
  return {
    root: () => join(svc.dataDir!, 'attachments'),
    uploadOk: async (u: Caller, data: Buffer = randomBytes(64), filename = 'file.bin'): Promise<AttachmentDto> =>
      ok(await api.upload(u, data, filename), 201),
    sendFiles: (u: Caller, chatId: string, attachmentIds: string[], text?: string) => api.send(u, chatId, { text, attachmentIds }),
    sendFilesOk: async (u: Caller, chatId: string, attachmentIds: string[], text?: string): Promise<MessageDto> =>
      ok(await api.send(u, chatId, { text, attachmentIds }), 201),
    storageKey: async (id: string): Promise<string> =>
      (await svc.db.query<{ storage_key: string }>('SELECT storage_key FROM attachments WHERE id = $1', [id])).rows[0].storage_key,
    uploadsOf: async (u: { id: string }): Promise<number> =>
      (await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1', [u.id])).rows[0].n,
  };
}
