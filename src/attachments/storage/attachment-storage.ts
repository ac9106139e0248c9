import type { Readable } from 'node:stream';

/** Inclusive byte positions, as in an HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where attachment bytes live. The services only see this interface (injected under
 * `ATTACHMENT_STORAGE`), so another backend (an S3-compatible bucket: `write` = a multipart upload
 * aborted on error, `open` = GetObject with a Range header, `delete` = DeleteObject) is one new
 * class and one provider line. Keys are made by the server, never from user input.
 */
export interface AttachmentStorage {
  /**
   * Stores everything `source` yields under `key`. Resolves once the object is complete and durable.
   * When `source` errors (size cap, client gone) or the write fails, it rejects with that error and
   * nothing stays behind under `key`, not even a partial object.
   */
  write(key: string, source: Readable): Promise<void>;

  /**
   * A stream of the object's bytes (only `range` when given). Rejects with `StoredObjectMissing`
   * when there is no such object; resolving means the bytes can be read, so callers can send headers.
   */
  open(key: string, range?: ByteRange): Promise<Readable>;

  /** Removes the object. Idempotent: a missing object is not an error. */
  delete(key: string): Promise<void>;

  /** Optional housekeeping: removes leftovers of writes interrupted by a crash, older than `olderThan`. */
  removeIncomplete?(olderThan: Date): Promise<number>;
}

export const ATTACHMENT_STORAGE = Symbol('ATTACHMENT_STORAGE');

export class StoredObjectMissing extends Error {
  constructor(key: string) {
    super(`stored object ${key} is missing`);
  }
}
