import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AttachmentStorage, ByteRange, StoredObjectMissing } from './attachment-storage';

/** Keys are server-made path segments of [a-z0-9-]: nothing here can climb out of the root. */
const KEY = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;

/**
 * Files under one directory (`DATA_DIR/attachments`): `<key>` for complete objects, `tmp/` for
 * writes in progress. A write goes to a temporary name and is renamed into place only when the
 * source ended cleanly, so a reader never sees a partial file and a failed write leaves nothing.
 */
export class FilesystemAttachmentStorage implements AttachmentStorage {
  private readonly root: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, 'tmp');
  }

  async write(key: string, source: Readable): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    // Created before any byte flows, so the clean-up below always finds it.
    const handle = await open(tmp, 'wx');
    try {
      await pipeline(source, handle.createWriteStream({ flush: true }));
      await rename(tmp, target);
    } catch (err) {
      source.destroy();
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    let handle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoredObjectMissing(key);
      throw err;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async removeIncomplete(olderThan: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      const file = join(this.tmpDir, name);
      const info = await stat(file).catch(() => null);
      if (info?.isFile() && info.mtime < olderThan) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return join(this.root, key);
  }
}
