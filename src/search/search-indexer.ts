import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SearchRepository } from './search.repository';

/** Queue rows per batch: one statement of a few tens of milliseconds (≈ 50 µs a message on the dev VM). */
export const SEARCH_INDEX_BATCH = 1000;

/**
 * Folds queued messages (new texts, edits, deletes for everyone: message_search_queue, written in
 * each change's own statement) into message_search, one batch of at most SEARCH_INDEX_BATCH every
 * SEARCH_INDEX_INTERVAL_MS, so the send's statement computes no vector and touches no GIN index.
 *
 * One batch at a time across instances (a transaction advisory lock: another instance's tick finds
 * it taken and skips). A batch per interval, full or not, caps what indexing takes from sends: under
 * a burst above SEARCH_INDEX_BATCH per interval the queue grows, and it drains once sends slow down.
 * Search is exact meanwhile: it matches the caller's queued messages on the fly (search.query.ts),
 * which costs more the longer their chats' queue is.
 */
@Injectable()
export class SearchIndexer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SearchIndexer');
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly repository: SearchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.config.searchIndexIntervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.repository.indexBatch(SEARCH_INDEX_BATCH);
    } catch (err) {
      if (!this.stopped) this.logger.warn(`indexing failed, retried next tick: ${(err as Error).message}`);
    }
  }
}
