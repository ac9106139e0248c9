import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { AppException } from '../common/app.exception';
import { detectMime, MIME_SAMPLE_BYTES, OCTET_STREAM } from './mime-type';

export const attachmentTooLarge = (maxBytes: number) =>
  new AppException('ATTACHMENT_TOO_LARGE', `an attachment may be at most ${maxBytes} bytes`);

/**
 * Sits between the upload and the storage: passes the bytes through while it counts them, hashes
 * them (SHA-256) and keeps the first few for MIME detection. It fails with 413
 * ATTACHMENT_TOO_LARGE the moment the count passes the cap, which aborts the storage write.
 */
export class UploadInspector extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private head = Buffer.alloc(0);
  private bytes = 0;
  private mimeType = OCTET_STREAM;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(attachmentTooLarge(this.maxBytes));
      return;
    }
    if (this.head.length < MIME_SAMPLE_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, MIME_SAMPLE_BYTES - this.head.length)]);
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** Detection is asynchronous: the stream ends (and the storage write completes) only after it. */
  override _flush(callback: TransformCallback): void {
    void detectMime(this.head).then((mimeType) => {
      this.mimeType = mimeType;
      callback();
    });
  }

  /** Valid once the stream has ended. */
  result(): { size: number; sha256: string; mimeType: string } {
    return { size: this.bytes, sha256: this.hash.digest('hex'), mimeType: this.mimeType };
  }
}
