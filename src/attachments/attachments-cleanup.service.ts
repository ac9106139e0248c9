import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AttachmentsRepository } from './attachments.repository';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './storage/attachment-storage';

/** The first clean-up runs this long after start (or after one interval, when that is shorter). */
const FIRST_RUN_DELAY_MS = 5_000;
const PURGE_BATCH = 200;
/** Temporary files of interrupted writes older than this are removed (no upload takes that long). */
const INCOMPLETE_WRITE_AGE_MS = 6 * 3_600_000;
/** setInterval's ceiling: longer delays would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Periodic clean-up of stored bytes (every ATTACHMENT_CLEANUP_INTERVAL_MS, first run shortly after
 * start): uploads never put on a message within ATTACHMENT_UNUSED_TTL_MS are flagged deleted, then
 * the bytes of every deleted attachment are removed from storage and the row gets `purged_at`.
 * Rows are never deleted. Safe with several instances: each step is idempotent.
 */
@Injectable()
export class AttachmentsCleanupService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AttachmentsCleanup');
  private firstRun?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly attachments: AttachmentsRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = Math.min(this.config.attachmentCleanupIntervalMs, MAX_TIMER_MS);
    this.firstRun = setTimeout(() => this.tick(), Math.min(FIRST_RUN_DELAY_MS, interval)).unref();
    this.timer = setInterval(() => this.tick(), interval).unref();
  }

  /** Before the database pool closes: no new run, and the one under way finishes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.firstRun);
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.runOnce()
      .catch((err) => this.logger.error(`clean-up failed: ${(err as Error).stack ?? err}`))
      .finally(() => (this.running = null));
  }

  /** One pass; answers how many uploads expired and how many attachments' bytes were removed. */
  async runOnce(): Promise<{ expired: number; purged: number }> {
    const expired = await this.attachments.expireUnused(this.config.attachmentUnusedTtlMs);
    let purged = 0;
    while (!this.stopped) {
      const batch = await this.attachments.findPurgeable(PURGE_BATCH);
      const done: string[] = [];
      for (const a of batch) {
        try {
          await this.storage.delete(a.storageKey);
          done.push(a.id);
        } catch (err) {
          this.logger.warn(`could not remove the bytes of attachment ${a.id}: ${(err as Error).message}`);
        }
      }
      await this.attachments.markPurged(done);
      purged += done.length;
      // A batch with failures is retried at the next run, not in a loop now.
      if (batch.length < PURGE_BATCH || done.length < batch.length) break;
    }
    await this.storage.removeIncomplete?.(new Date(Date.now() - INCOMPLETE_WRITE_AGE_MS));
    if (expired || purged) this.logger.log(`clean-up: ${expired} unused upload(s) expired, ${purged} file(s) removed`);
    return { expired, purged };
  }
}
