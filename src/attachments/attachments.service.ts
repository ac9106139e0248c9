import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import fresh from 'fresh';
import { AppException, ErrorBody } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { RateLimit, TokenBucketLimiter } from '../common/rate-limit';
import { EventBus } from '../common/event-bus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AttachmentsRepository } from './attachments.repository';
import { AttachmentDto } from './dto/attachment.dto';
import { toAttachmentDto } from './attachment.entity';
import './attachment.events';
import { EntityManager } from 'typeorm';
import { contentDisposition, sanitizeFilename } from './filename';
import type { IncomingFile } from './multipart';
import { requestedRange } from './byte-range';
import { ATTACHMENT_STORAGE, AttachmentStorage, StoredObjectMissing } from './storage/attachment-storage';
import { UploadInspector } from './upload-inspector';

export const attachmentNotFound = () => new AppException('ATTACHMENT_NOT_FOUND', 'attachment not found');

/** An upload's bytes in storage, not yet registered. */
export interface StoredUpload {
  filename: string;
  storageKey: string;
  size: number;
  sha256: string;
  mimeType: string;
}

/** Feeds the uploaded file to `store`; on a bad request after that, gives the result to `discard`. */
export type UploadReceiver = (
  store: (file: IncomingFile) => Promise<StoredUpload>,
  discard: (stored: StoredUpload) => Promise<void>,
) => Promise<StoredUpload>;

/** What the caller's conditional and range headers ask for. */
export interface DownloadRequest {
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  /** HEAD: headers only, the bytes are not opened. */
  headersOnly?: boolean;
}

/** The answer to a download, ready for the transport: status, headers and either bytes or an error body. */
export interface DownloadAnswer {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  body?: Readable;
  error?: ErrorBody;
}

@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger('Attachments');

  constructor(
    private readonly attachments: AttachmentsRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Per user and instance: UPLOAD_RATE_PER_MINUTE (all of them in a row at most). */
  private readonly uploadRate = new RateLimit('uploads', () => TokenBucketLimiter.perMinute(this.config.uploadRatePerMinute));

  get maxBytes(): number {
    return this.config.attachmentMaxBytes;
  }

  /**
   * Streams an upload into storage under a fresh server-made key, counting (413 past the cap),
   * hashing and sniffing it on the way; the row is written only once the bytes are stored and the
   * request was read to its end. `receive` is the transport: it feeds the file to `store`, and hands
   * back what was stored, or gives it to `discard` when the request turns out bad.
   */
  async upload(caller: AuthUser, receive: UploadReceiver): Promise<AttachmentDto> {
    // Refused before a byte is read: Node discards the rest of the body, the connection stays usable.
    this.uploadRate.consume(caller.userId);
    const stored = await receive(
      (file) => this.store(file),
      (s) => this.storage.delete(s.storageKey),
    );
    try {
      const row = await this.attachments.insert({ uploaderId: caller.userId, ...stored });
      return toAttachmentDto(row);
    } catch (err) {
      await this.storage.delete(stored.storageKey).catch(() => undefined);
      throw err;
    }
  }

  private async store(file: IncomingFile): Promise<StoredUpload> {
    const filename = sanitizeFilename(file.filename);
    const key = randomUUID();
    const storageKey = `${key.slice(0, 2)}/${key}`;
    const inspector = new UploadInspector(this.config.attachmentMaxBytes);
    // An error on either side destroys the other; storage.write then rejects and removes its partial object.
    pipeline(file.stream, inspector, () => undefined);
    try {
      await this.storage.write(storageKey, inspector);
    } catch (err) {
      inspector.destroy(); // stops reading the upload if the storage failed before consuming it
      throw err;
    }
    return { filename, storageKey, ...inspector.result() };
  }

  /** For the uploader and members who see a message carrying it; 404 for anyone else (existence does not leak). */
  async download(caller: AuthUser, id: string, req: DownloadRequest): Promise<DownloadAnswer> {
    const attachment = await this.attachments.findReadable(id, caller.userId);
    if (!attachment) throw attachmentNotFound();
    const etag = `"${attachment.sha256}"`;
    const headers: Record<string, string> = {
      ETag: etag,
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    if (fresh({ 'if-none-match': req.ifNoneMatch }, { etag })) return { status: 304, headers };

    headers['Accept-Ranges'] = 'bytes';
    // If-Range: the range applies only to this exact version, else the whole file is sent.
    const rangeApplies = req.ifRange === undefined || req.ifRange.trim() === etag;
    const wanted = requestedRange(rangeApplies ? req.range : undefined, attachment.size);
    if (wanted.kind === 'unsatisfiable') {
      headers['Content-Range'] = `bytes */${attachment.size}`;
      const error = new AppException('RANGE_NOT_SATISFIABLE', `the range is outside the file (${attachment.size} bytes)`);
      return { status: 416, headers, error: error.toBody() };
    }

    const range = wanted.kind === 'partial' ? wanted.range : undefined;
    Object.assign(headers, {
      'Content-Type': attachment.mimeType,
      'Content-Disposition': contentDisposition(attachment.filename),
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Content-Length': String(range ? range.end - range.start + 1 : attachment.size),
    });
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${attachment.size}`;
    const status = range ? 206 : 200;
    if (req.headersOnly) return { status, headers };
    try {
      return { status, headers, body: await this.storage.open(attachment.storageKey, range) };
    } catch (err) {
      if (!(err instanceof StoredObjectMissing)) throw err;
      this.logger.error(`attachment ${attachment.id}: ${err.message}`);
      throw attachmentNotFound();
    }
  }

  /**
   * Puts the uploader's own unused uploads on a message being stored, in the caller's transaction
   * (the row locks order it against a concurrent delete or expiry). Returns them in the order given,
   * or null (the caller rolls back) when any id is unknown, someone else's or already used.
   */
  async claimUploads(manager: EntityManager, uploaderId: string, attachmentIds: string[]): Promise<AttachmentDto[] | null> {
    if (!attachmentIds.length) return [];
    const claimed = await this.attachments.claimUnused(manager, uploaderId, attachmentIds);
    if (claimed.length !== attachmentIds.length) return null;
    const byId = new Map(claimed.map((a) => [a.id, toAttachmentDto(a)]));
    return attachmentIds.map((id) => byId.get(id)!);
  }

  /**
   * The uploader removes an attachment: flagged deleted (the bytes go with the next clean-up). After
   * the commit, `attachment.deleted` tells the messages module, which announces again every message
   * that carried it.
   */
  async delete(caller: AuthUser, id: string): Promise<void> {
    if (!(await this.attachments.markDeleted(id, caller.userId))) throw attachmentNotFound();
    this.events.emit('attachment.deleted', { attachmentId: id, originSocketId: caller.socketId });
  }
}
