import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { entityFromRow } from '../common/raw-rows';
import { visibleTo } from '../common/visibility';
import { mutedNow } from '../conversations/mute.query';
import type { VapidKeys } from '../config/app-config';
import { PushKind } from './push-delivery.entity';
import { PushSubscription } from './push-subscription.entity';
import { VapidKeyPair } from './vapid-key-pair.entity';

/** The message `m` mentions the member `cm`'s user (the `mentions` column: user ids). */
const MENTIONED = `(m.mentions @> ARRAY[cm.user_id])`;

/** A subscription that a stored message owes a push to (before the presence check). */
export interface OwedPush {
  outboxId: string;
  subscriptionId: string;
  sessionId: string;
  chatId: string;
  seq: number;
  messageId: string;
  mention: boolean;
  storedAt: Date;
}

/** A claimed delivery with everything its push needs, read when it is sent (the text as it is now). */
export interface DueDelivery {
  id: string;
  subscriptionId: string;
  kind: PushKind;
  chatId: string;
  seq: number;
  mention: boolean;
  attempts: number;
  expiresAt: Date;
  endpoint: string;
  p256dh: string;
  auth: string;
  chatType: 'direct' | 'group' | null;
  chatTitle: string | null;
  messageId: string | null;
  /** The message, when it still exists: its text now, and whether the recipient still may and need see it. */
  message: { text: string | null; senderName: string; attachmentCount: number } | null;
  /** The recipient is a member now, can see the message (not deleted, not hidden), and has not read past it. */
  stillOwed: boolean;
}

/** What to do with claimed deliveries once their pushes were tried. */
export interface DeliveryResults {
  /** Sent, or dropped for good. */
  done: string[];
  retry: Array<{ id: string; afterSeconds: number; error: string }>;
  /** Subscriptions whose push service said 404/410 (their deliveries go with them). */
  goneSubscriptions: string[];
}

/** A claimed delivery and what its push needs, as dueSelect reads it. */
interface DueRow {
  id: string;
  subscription_id: string;
  kind: PushKind;
  chat_id: string;
  seq: number;
  mention: boolean;
  attempts: number;
  expires_at: Date;
  endpoint: string;
  p256dh: string;
  auth: string;
  chat_type: 'direct' | 'group' | null;
  chat_title: string | null;
  message_id: string | null;
  message_exists: boolean;
  text: string | null;
  sender_name: string | null;
  attachment_count: number;
  still_owed: boolean;
}

/**
 * What the pushes of the deliveries in a CTE named `claimed` (rows of push_deliveries) need: the
 * endpoint and keys, the chat, the message's text as it is now and its sender, and whether the
 * recipient is still owed it (a member now, can see it, has not read past it). Every join is by key
 * from the claimed rows.
 */
function dueSelect(where = 'true'): string {
  return `SELECT c.id, c.subscription_id, c.kind, c.chat_id, c.seq, c.mention, c.attempts, c.expires_at, c.message_id,
                 s.endpoint, s.p256dh, s.auth, ch.type AS chat_type, ch.title AS chat_title,
                 m.id IS NOT NULL AS message_exists, m.text, sender.display_name AS sender_name,
                 (SELECT count(*) FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id AND a.deleted_at IS NULL
                   WHERE ma.message_id = m.id)::int AS attachment_count,
                 CASE WHEN cm.user_id IS NULL THEN false
                      WHEN c.kind = 'read' THEN true
                      ELSE m.id IS NOT NULL AND cm.read_seq < m.seq
                           AND ${visibleTo('m', { userId: 'cm.user_id', clearedSeq: 'cm.cleared_seq' }, { content: true })}
                 END AS still_owed
            FROM claimed c
            JOIN push_subscriptions s ON s.id = c.subscription_id
            LEFT JOIN chats ch ON ch.id = c.chat_id
            LEFT JOIN chat_members cm ON cm.chat_id = c.chat_id AND cm.user_id = s.user_id
            LEFT JOIN messages m ON m.id = c.message_id
            LEFT JOIN users sender ON sender.id = m.sender_id
           WHERE ${where}
           ORDER BY c.id`;
}

function toDue(rows: DueRow[]): DueDelivery[] {
  return rows.map((r) => ({
    id: String(r.id),
    subscriptionId: r.subscription_id,
    kind: r.kind,
    chatId: r.chat_id,
    seq: r.seq,
    mention: r.mention,
    attempts: r.attempts,
    expiresAt: r.expires_at,
    endpoint: r.endpoint,
    p256dh: r.p256dh,
    auth: r.auth,
    chatType: r.chat_type,
    chatTitle: r.chat_title,
    messageId: r.message_id,
    message: r.message_exists ? { text: r.text, senderName: r.sender_name ?? '', attachmentCount: r.attachment_count } : null,
    stillOwed: r.still_owed,
  }));
}

@Injectable()
export class PushRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * A transaction of the push worker, committed without waiting for the WAL flush
   * (synchronous_commit off): what it writes (deliveries, claims, results) is bookkeeping of what
   * the outbox row already holds durably, so a crash that loses its last commits can only make a
   * push go out twice, never lose one. It spares the disk a flush per worker statement.
   */
  workerTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL synchronous_commit = off');
      return work(manager);
    });
  }

  // --- the VAPID key pair ---

  /** The stored pair; the first caller stores `made` (instances starting together agree on one). */
  async vapidKeys(make: () => VapidKeys): Promise<VapidKeys> {
    const repo = this.dataSource.getRepository(VapidKeyPair);
    const stored = await repo.findOneBy({ id: 1 });
    if (stored) return { publicKey: stored.publicKey, privateKey: stored.privateKey };
    const made = make();
    await repo
      .createQueryBuilder()
      .insert()
      .values({ id: 1, ...made })
      .orIgnore()
      .execute();
    const kept = (await repo.findOneBy({ id: 1 }))!;
    return { publicKey: kept.publicKey, privateKey: kept.privateKey };
  }

  // --- subscriptions ---

  /** Locks the session's row for the transaction (concurrent subscribes of one session queue here); false when it has ended. */
  async lockSession(manager: EntityManager, sessionId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL FOR UPDATE', [sessionId]);
    return rows.length > 0;
  }

  findByEndpoint(manager: EntityManager, endpoint: string): Promise<PushSubscription | null> {
    return manager.findOne(PushSubscription, { where: { endpoint }, lock: { mode: 'pessimistic_write' } });
  }

  countForSession(manager: EntityManager, sessionId: string): Promise<number> {
    return manager.countBy(PushSubscription, { sessionId });
  }

  async insert(manager: EntityManager, values: Pick<PushSubscription, 'userId' | 'sessionId' | 'endpoint' | 'p256dh' | 'auth'>) {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [values.userId, values.sessionId, values.endpoint, values.p256dh, values.auth],
    );
    return entityFromRow(manager, PushSubscription, rows[0]);
  }

  async updateKeys(manager: EntityManager, id: string, p256dh: string, auth: string): Promise<void> {
    await manager.update(PushSubscription, { id }, { p256dh, auth });
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(PushSubscription, { id });
  }

  listForSession(sessionId: string): Promise<PushSubscription[]> {
    return this.dataSource.getRepository(PushSubscription).find({ where: { sessionId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Deletes one of the session's subscriptions; false when it has no such one. */
  async deleteOfSession(sessionId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(PushSubscription).delete({ sessionId, id });
    return (result.affected ?? 0) > 0;
  }

  async deleteAllOfSession(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(PushSubscription).delete({ sessionId });
  }

  // --- the outbox ---

  /** Whether the outbox holds anything: one cheap read, so that an idle worker opens no transaction. */
  async outboxHasRows(): Promise<boolean> {
    const rows: Array<{ any: boolean }> = await this.dataSource.query('SELECT EXISTS (SELECT 1 FROM push_outbox) AS any');
    return rows[0].any;
  }

  /**
   * Claims up to `limit` outbox rows (SKIP LOCKED: other workers take others) and reads whom each
   * message owes a push: every subscription of every other member (for `member_added`, of each added
   * user) in a live session, unless the member has the chat muted and is not mentioned, or has read
   * past the message already. Runs in the caller's transaction, which holds the claim.
   */
  async claimOutbox(manager: EntityManager, limit: number): Promise<{ outboxIds: string[]; owed: OwedPush[] }> {
    const rows: Array<{
      outbox_id: string;
      subscription_id: string | null;
      session_id: string;
      chat_id: string;
      seq: number;
      message_id: string;
      mention: boolean;
      created_at: Date;
    }> = await manager.query(
      `WITH claimed AS (
         SELECT id, message_id FROM push_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), m AS MATERIALIZED (
         -- The claimed messages first, by primary key: every join below starts from them, whatever the
         -- planner thinks of the tables' sizes (stale statistics once made it hash all of messages).
         SELECT m.* FROM messages m WHERE m.id IN (SELECT message_id FROM claimed)
       )
       SELECT c.id AS outbox_id, o.*
         FROM claimed c
         LEFT JOIN (
           SELECT s.id AS subscription_id, s.session_id, m.chat_id, m.seq, m.id AS message_id, m.created_at, ${MENTIONED} AS mention
             FROM m
             JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id <> m.sender_id AND cm.read_seq < m.seq
             JOIN push_subscriptions s ON s.user_id = cm.user_id
             JOIN sessions se ON se.id = s.session_id AND se.revoked_at IS NULL AND se.expires_at > now()
            WHERE (m.type = 'text' OR m.event->'userIds' @> to_jsonb(cm.user_id::text))
              AND (NOT ${mutedNow('cm')} OR ${MENTIONED})
         ) o ON o.message_id = c.message_id
        ORDER BY c.id`,
      [limit],
    );
    const outboxIds = [...new Set(rows.map((r) => String(r.outbox_id)))];
    const owed = rows
      .filter((r) => r.subscription_id !== null)
      .map((r) => ({
        outboxId: String(r.outbox_id),
        subscriptionId: r.subscription_id!,
        sessionId: r.session_id,
        chatId: r.chat_id,
        seq: r.seq,
        messageId: r.message_id,
        mention: r.mention,
        storedAt: r.created_at,
      }));
    return { outboxIds, owed };
  }

  /**
   * Stores the deliveries of claimed outbox rows and deletes the rows, in one statement. The first
   * `claim` deliveries are stored already claimed by this worker for `leaseSeconds` (attempt 1) and
   * returned ready to send, which saves a claim statement; the rest are due now, for any worker.
   */
  async settleOutbox(
    manager: EntityManager,
    outboxIds: string[],
    owed: OwedPush[],
    ttlSeconds: number,
    claim: number,
    leaseSeconds: number,
  ): Promise<DueDelivery[]> {
    const rows: DueRow[] = await manager.query(
      `WITH claimed AS (
         INSERT INTO push_deliveries (subscription_id, kind, chat_id, seq, message_id, mention, expires_at, next_attempt_at, attempts)
         SELECT t.subscription_id, 'message', t.chat_id, t.seq, t.message_id, t.mention, t.stored_at + make_interval(secs => $7),
                CASE WHEN t.ord <= $9 THEN now() + make_interval(secs => $10) ELSE now() END,
                CASE WHEN t.ord <= $9 THEN 1 ELSE 0 END
           FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::bool[], $6::timestamptz[])
                WITH ORDINALITY AS t(subscription_id, chat_id, seq, message_id, mention, stored_at, ord)
         ON CONFLICT DO NOTHING
         RETURNING *
       ), settled AS (
         DELETE FROM push_outbox WHERE id = ANY($8::bigint[])
       )
       ${dueSelect('c.attempts = 1')}`,
      [
        owed.map((o) => o.subscriptionId),
        owed.map((o) => o.chatId),
        owed.map((o) => o.seq),
        owed.map((o) => o.messageId),
        owed.map((o) => o.mention),
        owed.map((o) => o.storedAt),
        ttlSeconds,
        outboxIds,
        claim,
        leaseSeconds,
      ],
    );
    return toDue(rows);
  }

  // --- deliveries ---

  /** "Read" pushes for the user's subscriptions in live sessions other than the reader's. */
  async insertReadDeliveries(userId: string, exceptSessionId: string, chatId: string, seq: number, ttlSeconds: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO push_deliveries (subscription_id, kind, chat_id, seq, expires_at)
       SELECT s.id, 'read', $3, $4, now() + make_interval(secs => $5)
         FROM push_subscriptions s
         JOIN sessions se ON se.id = s.session_id AND se.revoked_at IS NULL AND se.expires_at > now()
        WHERE s.user_id = $1 AND s.session_id <> $2
       RETURNING id`,
      [userId, exceptSessionId, chatId, seq, ttlSeconds],
    );
    return rows.length;
  }

  /**
   * Claims up to `limit` due deliveries for `leaseSeconds` (their next attempt moves to the end of
   * the lease, so a worker that dies mid-send leaves them due again then) and reads what each push
   * needs, in one statement.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<DueDelivery[]> {
    return this.workerTransaction(async (manager) =>
      toDue(
        await manager.query(
          `WITH due AS (
             SELECT id FROM push_deliveries WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
           ), claimed AS (
             UPDATE push_deliveries d SET next_attempt_at = now() + make_interval(secs => $2), attempts = d.attempts + 1
               FROM due WHERE d.id = due.id
             RETURNING d.*
           )
           ${dueSelect()}`,
          [limit, leaseSeconds],
        ),
      ),
    );
  }

  /** Deletes what is done, schedules the retries and deletes the subscriptions that are gone, in one statement. */
  async finish(results: DeliveryResults): Promise<void> {
    const { done, retry, goneSubscriptions } = results;
    if (!done.length && !retry.length && !goneSubscriptions.length) return;
    await this.workerTransaction((manager) =>
      manager.query(
        `WITH done AS (
         DELETE FROM push_deliveries WHERE id = ANY($1::bigint[])
       ), retry AS (
         UPDATE push_deliveries d
            SET next_attempt_at = now() + make_interval(secs => r.after_seconds), last_error = left(r.error, 200)
           FROM unnest($2::bigint[], $3::float8[], $4::text[]) AS r(id, after_seconds, error)
          WHERE d.id = r.id
       )
       DELETE FROM push_subscriptions WHERE id = ANY($5::uuid[])`,
        [done, retry.map((r) => r.id), retry.map((r) => r.afterSeconds), retry.map((r) => r.error), goneSubscriptions],
      ),
    );
  }
}
