import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesRepository, NewMessage, SenderNotMember, StoredMessage } from './messages.repository';

export interface TextSend {
  chatId: string;
  senderId: string;
  text: string;
  clientId: string;
  replyToSeq?: number;
  mentionIds?: string[];
}

/** Null when the chat does not exist or the sender is not a member: a 404 for the caller either way. */
export type Stored = StoredMessage | null;

const textMessage = (item: TextSend): NewMessage => ({ ...item, type: 'text', checkSender: true });

interface Pending {
  item: TextSend;
  /** When it was queued (performance.now()). */
  since: number;
  resolve: (stored: Stored) => void;
  reject: (err: unknown) => void;
}

/** Sends stored by one statement at most. */
const MAX_BATCH = 200;

/**
 * Past SEND_QUEUE_MAX waiting sends the instance is saturated: a further send is refused at once
 * (nothing stored, its clientId still free for the retry) instead of queueing without bound, so
 * every send is answered quickly and memory stays flat. One second is about the time the queue
 * takes to drain at the saturation rate.
 */
export const overloaded = () => new AppException('OVERLOADED', 'the server is busy; try again in 1 s', [{ retryAfter: 1 }]);

/**
 * Coalesces concurrent plain text sends into multi-row statements: one commit for many messages is
 * the lever once commits dominate (PostgreSQL spends about 0.5 ms of CPU on a one-message statement
 * and its commit, about 60 µs a message in a statement of 16: README, "Performance"). A send with a
 * free slot goes at once when no statement started in the last SEND_LINGER_MS; under load,
 * statements start at most once per SEND_LINGER_MS, and each takes every send queued meanwhile (up
 * to MAX_BATCH): at 2,000 sends/s and 6 ms that is about 12 a statement instead of 1–3, for at most
 * 6 ms more latency (an idle instance adds none). While all slots are busy the sends queue, and the
 * next free slot takes them. A batch is all or nothing; when it fails (a sender not a member, a
 * clientId already used, a missing chat) its sends are stored one by one, so each gets its own
 * answer. The queue is bounded by depth (SEND_QUEUE_MAX) and by age (SEND_WAIT_MAX_MS): see
 * `overloaded`.
 */
@Injectable()
export class SendCoalescer {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** When the last statement started (performance.now()). */
  private lastStart = -Infinity;
  /** The pump waiting for SEND_LINGER_MS to pass since `lastStart`. */
  private lingering: NodeJS.Timeout | null = null;

  constructor(
    private readonly messages: MessagesRepository,
    // SEND_STATEMENTS_IN_FLIGHT (default 4): the rest of the pool stays free for everything else.
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  store(item: TextSend): Promise<Stored> {
    if (this.queue.length >= this.config.sendQueueMax) return Promise.reject(overloaded());
    return new Promise<Stored>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, since: performance.now() });
      this.pump();
    });
  }

  /** The linger, kept under half the wait bound: lingering must never make a send stale by itself. */
  private get lingerMs(): number {
    return Math.min(this.config.sendLingerMs, Math.floor(this.config.sendWaitMaxMs / 2));
  }

  private pump(): void {
    while (this.inFlight < this.config.sendStatementsInFlight && this.queue.length) {
      const wait = this.lastStart + this.lingerMs - performance.now();
      if (wait > 0 && this.queue.length < MAX_BATCH) {
        this.lingering ??= setTimeout(() => {
          this.lingering = null;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      this.shedStale();
      if (!this.queue.length) return;
      const batch = this.queue.splice(0, MAX_BATCH);
      this.lastStart = performance.now();
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /**
   * Sends that waited longer than SEND_WAIT_MAX_MS are refused rather than run: their senders get
   * an answer in bounded time, and the queue drains at once instead of serving stale work first.
   */
  private shedStale(): void {
    const oldest = performance.now() - this.config.sendWaitMaxMs;
    let stale = 0;
    while (stale < this.queue.length && this.queue[stale].since < oldest) stale += 1;
    for (const pending of this.queue.splice(0, stale)) pending.reject(overloaded());
  }

  private async run(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const stored = await this.messages.allocateAndInsert(batch.map((p) => textMessage(p.item)));
        if (stored) {
          batch.forEach((p, i) => p.resolve(stored[i]));
          return;
        }
      } catch {
        // One bad send spoils the batch: fall through and answer each on its own.
      }
    }
    await Promise.all(batch.map((p) => this.storeOne(p)));
  }

  private async storeOne({ item, resolve, reject }: Pending): Promise<void> {
    try {
      const stored = await this.messages.allocateAndInsert([textMessage(item)]);
      resolve(stored && stored[0]);
    } catch (err) {
      if (err instanceof SenderNotMember) resolve(null);
      else reject(err);
    }
  }
}
