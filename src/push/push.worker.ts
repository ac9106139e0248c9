import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnAppEvent } from '../common/event-bus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PresenceService } from '../presence/presence.service';
import { PushPacer } from './push-pacer';
import { chatTopic, messagePayload, messageUrgency, PushPayload, PushUrgency } from './push-payload';
import { PUSH_SENDER, PushOutcome, PushSender } from './push-sender';
import { DeliveryResults, DueDelivery, PushRepository } from './push.repository';
import { retryDelaySeconds } from './retry-policy';

/** Outbox rows turned into deliveries per transaction. */
const OUTBOX_BATCH = 500;
/** Deliveries claimed per statement, and pushes in flight on this instance at most. */
const SEND_BATCH = 100;
const MAX_IN_FLIGHT = 200;
/** A claim lasts this long: longer than a push may take (its request times out after 10 s). */
const LEASE_SECONDS = 30;
/** Work committed by other instances (and retries coming due) is found this often. */
const POLL_MS = 1000;
/** On shutdown, pushes in flight get this long to finish (the rest are sent again after their lease). */
const SHUTDOWN_WAIT_MS = 3000;

/**
 * Sends the pushes that stored messages owe, from the database, so that none is lost to a crash:
 * any instance may run it, and two never send the same push at once.
 *
 * 1. Expansion: outbox rows (written by the `messages` trigger in the message's own commit) are
 *    claimed with FOR UPDATE SKIP LOCKED; each becomes one delivery per subscription owed a push
 *    whose session has no connected socket on any instance now; the deliveries are stored and the
 *    outbox rows deleted in the same transaction.
 * 2. Sending: due deliveries are claimed for a lease (SKIP LOCKED), sent, then deleted, retried with
 *    backoff (Retry-After honoured) until their TTL passes, or dropped; a 404/410 deletes the
 *    subscription. A kill between the send and the delete sends that push again after the lease:
 *    at least once, duplicates only for pushes in flight at the kill.
 *
 * Work is picked up at once when this instance stores a message or a read, and every POLL_MS
 * otherwise. Pushes give way to sends: PushPacer sets how many per second go out from how busy this
 * process is.
 */
@Injectable()
export class PushWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Push');
  private poll?: NodeJS.Timeout;
  private paced?: NodeJS.Timeout;
  private readonly pacer = new PushPacer();
  private stopped = false;
  private expanding = false;
  private expandAgain = false;
  private claiming = false;
  private claimAgain = false;
  private inFlight = 0;
  private readonly batches = new Set<Promise<void>>();
  private lastWarning = { message: '', at: 0 };

  constructor(
    private readonly repository: PushRepository,
    private readonly presence: PresenceService,
    @Inject(PUSH_SENDER) private readonly sender: PushSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.pacer.start();
    this.poll = setInterval(() => this.wake(), POLL_MS);
    this.poll.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.paced);
    this.pacer.stop();
    const all = Promise.all(this.batches);
    await Promise.race([all, new Promise((ok) => setTimeout(ok, SHUTDOWN_WAIT_MS).unref())]);
  }

  /** A message was stored here: its outbox row is committed, take it now rather than at the next poll. */
  @OnAppEvent('message.created')
  onMessageCreated(): void {
    this.wakeExpansion();
  }

  /** There is work, maybe: expand the outbox, then send what is due. */
  wake(): void {
    this.wakeExpansion();
    this.wakeSending();
  }

  wakeSending(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void this.claimWhileRoom().finally(() => {
      this.claiming = false;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.wakeSending();
      }
    });
  }

  private wakeExpansion(): void {
    if (this.stopped) return;
    if (this.expanding) {
      this.expandAgain = true;
      return;
    }
    this.expanding = true;
    void this.expandAll().finally(() => {
      this.expanding = false;
      if (this.expandAgain) {
        this.expandAgain = false;
        this.wakeExpansion();
      }
    });
  }

  private async expandAll(): Promise<void> {
    try {
      while (!this.stopped && (await this.repository.outboxHasRows())) {
        const deliveries = await this.expandOnce();
        if (deliveries === null) return;
        if (deliveries > 0) this.wakeSending();
      }
    } catch (err) {
      this.warn('expansion', err);
    }
  }

  /**
   * One batch of outbox rows → deliveries; null when the outbox had nothing for this worker, else
   * how many deliveries are left for the claim loop. As many as there is room for in flight are
   * stored claimed by this worker and sent at once.
   */
  private async expandOnce(): Promise<number | null> {
    const expanded = await this.repository.workerTransaction(async (manager) => {
      const { outboxIds, owed } = await this.repository.claimOutbox(manager, OUTBOX_BATCH);
      if (!outboxIds.length) return null;
      const connected = await this.presence.connectedSessions([...new Set(owed.map((o) => o.sessionId))]);
      const offline = owed.filter((o) => !connected.has(o.sessionId));
      const claim = this.stopped ? 0 : this.pacer.take(Math.min(offline.length, Math.max(MAX_IN_FLIGHT - this.inFlight, 0)));
      const due = await this.repository.settleOutbox(manager, outboxIds, offline, this.config.pushTtlSeconds, claim, LEASE_SECONDS);
      this.pacer.refund(claim - due.length);
      return { left: offline.length - due.length, due };
    });
    if (!expanded) return null;
    // Sent after the commit: a delivery is sent only once it is stored.
    if (expanded.due.length) this.start(expanded.due);
    return expanded.left;
  }

  private async claimWhileRoom(): Promise<void> {
    try {
      while (!this.stopped && this.inFlight < MAX_IN_FLIGHT) {
        const granted = this.pacer.take(Math.min(SEND_BATCH, MAX_IN_FLIGHT - this.inFlight));
        if (!granted) {
          this.wakeWhenPaced();
          return;
        }
        const due = await this.repository.claimDue(granted, LEASE_SECONDS);
        this.pacer.refund(granted - due.length);
        if (!due.length) return;
        this.start(due);
      }
    } catch (err) {
      this.warn('claim', err);
    }
  }

  /** The pacer holds pushes back: look again when it lets one go (work may be waiting). */
  private wakeWhenPaced(): void {
    if (this.paced || this.stopped) return;
    this.paced = setTimeout(() => {
      this.paced = undefined;
      this.wakeSending();
    }, this.pacer.waitMs());
    this.paced.unref();
  }

  /** Sends claimed deliveries, counted in flight until their results are stored. */
  private start(due: DueDelivery[]): void {
    this.inFlight += due.length;
    const batch = this.sendBatch(due).finally(() => {
      this.inFlight -= due.length;
      this.batches.delete(batch);
      // Room again: there may be more due.
      this.wakeSending();
    });
    this.batches.add(batch);
  }

  private async sendBatch(due: DueDelivery[]): Promise<void> {
    const results: DeliveryResults = { done: [], retry: [], goneSubscriptions: [] };
    await Promise.all(
      due.map(async (d) => {
        const push = this.pushOf(d);
        if (!push) {
          results.done.push(d.id);
          return;
        }
        const outcome = await this.sender.send(d, JSON.stringify(push.payload), {
          ttlSeconds: Math.max(Math.ceil((d.expiresAt.getTime() - Date.now()) / 1000), 0),
          urgency: push.urgency,
          topic: chatTopic(d.chatId),
        });
        this.record(d, outcome, results);
      }),
    );
    try {
      await this.repository.finish(results);
    } catch (err) {
      // Not recorded: these come due again when their lease ends (sent ones a second time).
      this.warn('finish', err);
    }
  }

  /** The push of a delivery as things are now; null when it is no longer owed (read, deleted, left the chat, expired). */
  private pushOf(d: DueDelivery): { payload: PushPayload; urgency: PushUrgency } | null {
    if (!d.stillOwed || d.expiresAt.getTime() <= Date.now() || !d.chatType) return null;
    if (d.kind === 'read') return { payload: { type: 'read', chatId: d.chatId, seq: d.seq }, urgency: 'low' };
    if (!d.message || !d.messageId) return null;
    return {
      payload: messagePayload({
        chatId: d.chatId,
        seq: d.seq,
        messageId: d.messageId,
        chatType: d.chatType,
        chatTitle: d.chatTitle,
        senderName: d.message.senderName,
        text: d.message.text,
        attachmentCount: d.message.attachmentCount,
        mention: d.mention,
      }),
      urgency: messageUrgency(d.chatType, d.mention),
    };
  }

  private record(d: DueDelivery, outcome: PushOutcome, results: DeliveryResults): void {
    const origin = originOf(d.endpoint);
    switch (outcome.kind) {
      case 'sent':
        results.done.push(d.id);
        return;
      case 'gone':
        this.logger.log(`push service ${origin} answered ${outcome.reason}: subscription removed`);
        results.goneSubscriptions.push(d.subscriptionId);
        results.done.push(d.id);
        return;
      case 'rejected':
        this.logger.warn(`push to ${origin} dropped: ${outcome.reason}`);
        results.done.push(d.id);
        return;
      case 'retry': {
        const afterSeconds = retryDelaySeconds(d.attempts, outcome.retryAfterSeconds);
        if (Date.now() + afterSeconds * 1000 >= d.expiresAt.getTime()) {
          this.logger.warn(`push to ${origin} dropped after ${d.attempts} attempts, its TTL passing: ${outcome.reason}`);
          results.done.push(d.id);
        } else {
          results.retry.push({ id: d.id, afterSeconds, error: outcome.reason });
        }
      }
    }
  }

  /** Logs a failure, at most once per 10 s for the same message (an outage is not a flood). */
  private warn(what: string, err: unknown): void {
    const message = `push ${what} failed: ${(err as Error)?.message ?? String(err)}`;
    const now = Date.now();
    if (message === this.lastWarning.message && now - this.lastWarning.at < 10_000) return;
    this.lastWarning = { message, at: now };
    this.logger.warn(message);
  }
}

/** Only the origin is logged: the endpoint's path is the subscription's secret. */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(bad endpoint)';
  }
}
