import { DataSource, EntityManager, Repository, SelectQueryBuilder } from 'typeorm';
import { Attachment, toAttachmentDto } from '../attachments/attachment.entity';
import { entityFromRow } from '../common/raw-rows';
import { visibleTo } from '../common/visibility';
import { ReactionDto } from './dto/reaction.dto';
import { Message } from './message.entity';
import { MessagePresentation, ReplyTarget } from './message-view';

/**
 * The history query, kept free of Nest so that the query-plan test (test/messages-history-plan.e2e-spec.ts)
 * can build and EXPLAIN exactly the SQL the service runs.
 */
export interface HistoryPageQuery {
  chatId: string;
  viewerId: string;
  /** The viewer's dialog cut-off: messages at or below it are hidden. */
  clearedSeq: number;
  before?: number;
  after?: number;
  limit: number;
}

/** Visible to :viewerId, whose cut-off the access check gave (:clearedSeq). */
export const VISIBLE = visibleTo('m', { userId: ':viewerId', clearedSeq: ':clearedSeq' });

/**
 * Keyset page on (chat_id, seq): `limit + 1` rows (the extra one tells hasMore), newest first before
 * `before` (or the newest), oldest first after `after`. Hidden rows are filtered inside the index walk,
 * so a page is full whenever enough visible messages exist, and no OFFSET is ever used.
 */
export function historyPageQueryBuilder(messages: Repository<Message>, q: HistoryPageQuery): SelectQueryBuilder<Message> {
  const qb = messages
    .createQueryBuilder('m')
    .where('m.chat_id = :chatId', { chatId: q.chatId })
    .andWhere(VISIBLE, { viewerId: q.viewerId, clearedSeq: q.clearedSeq })
    .limit(q.limit + 1);
  if (q.after !== undefined) {
    qb.andWhere('m.seq > :after', { after: q.after }).orderBy('m.seq', 'ASC');
  } else {
    if (q.before !== undefined) qb.andWhere('m.seq < :before', { before: q.before });
    qb.orderBy('m.seq', 'DESC');
  }
  return qb;
}

/** The columns of message `m` a presentation needs, as SQL expressions, and the viewer's id. */
export interface PresentedRefs {
  id: string;
  chatId: string;
  replyToSeq: string;
  senderId: string;
  viewerId: string;
}

/**
 * Everything a message object shows besides its own row, for the message and viewer `refs` name:
 * its attachments (removed ones left out, in their order), its reactions (per emoji, in the order the
 * message got them, `me` for the viewer), the message it replies to as it is now (`t`), and, on the
 * viewer's own messages, how far the chat's other current members have got (`o`, the status ticks).
 * The select-list columns and the joins that feed them, for one statement with the rows they present.
 */
export function presentationSql(refs: PresentedRefs): { columns: string; joins: string } {
  return {
    columns: `(SELECT coalesce(json_agg(to_jsonb(a) ORDER BY ma.position), '[]')
                 FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
                WHERE ma.message_id = ${refs.id} AND a.deleted_at IS NULL) AS attachments,
              (SELECT coalesce(json_agg(json_build_object('emoji', x.emoji, 'count', x.count, 'me', x.me) ORDER BY x.added_at, x.emoji), '[]')
                 FROM (SELECT r.emoji, count(*)::int AS count, bool_or(r.user_id = ${refs.viewerId}) AS me, min(r.emoji_added_at) AS added_at
                         FROM message_reactions r WHERE r.message_id = ${refs.id} GROUP BY r.emoji) x) AS reactions,
              t.seq AS reply_seq, t.sender_id AS reply_sender_id, t.text AS reply_text, t.deleted_at AS reply_deleted_at,
              o.others, o.delivered, o.read`,
    joins: `LEFT JOIN messages t ON t.chat_id = ${refs.chatId} AND t.seq = ${refs.replyToSeq}
            LEFT JOIN LATERAL (
              SELECT count(*)::int AS others, min(cm.delivered_seq) AS delivered, min(cm.read_seq) AS read
                FROM chat_members cm
               WHERE ${refs.senderId} = ${refs.viewerId} AND cm.chat_id = ${refs.chatId} AND cm.user_id <> ${refs.viewerId}
            ) o ON true`,
  };
}

/** A row with `presentationSql`'s columns. */
export type PresentationRow = Record<string, unknown> & { attachments: Array<Record<string, unknown>>; reactions: ReactionDto[] };

/** The replied-to message of a row (its `reply_` columns), as it is now. */
export function replyFromRow(source: DataSource | EntityManager, r: Record<string, unknown>): ReplyTarget {
  const { seq, senderId, text, deletedAt } = entityFromRow(source, Message, r, 'reply_');
  return { seq, senderId, text, deletedAt };
}

/** What `presentationSql`'s columns say of a message. */
export function presentationFromRow(source: DataSource | EntityManager, r: PresentationRow): MessagePresentation {
  return {
    attachments: r.attachments.map((a) => toAttachmentDto(entityFromRow(source, Attachment, a))),
    reactions: r.reactions,
    replyTo: r.reply_seq == null ? null : replyFromRow(source, r),
    others: (r.others as number) > 0 ? { deliveredSeq: r.delivered as number, readSeq: r.read as number } : null,
  };
}

/**
 * The history request's one statement: the page (the keyset walk above, as the CTE `page`) with each
 * row's presentation (`presentationSql`), in page order. Its text depends on the query's shape only
 * (newest, before or after, and the limit, which TypeORM writes as a literal), so it is built once per
 * shape; the values go in as `:chatId`, `:viewerId`, `:clearedSeq`, `:before` and `:after`.
 */
export function presentedHistorySql(messages: Repository<Message>, q: HistoryPageQuery): string {
  const page = historyPageQueryBuilder(messages, q).getQuery();
  const { columns, joins } = presentationSql({
    id: 'page.m_id',
    chatId: 'page.m_chat_id',
    replyToSeq: 'page.m_reply_to_seq',
    senderId: 'page.m_sender_id',
    viewerId: ':viewerId',
  });
  return `WITH page AS MATERIALIZED (${page})
          SELECT page.*, ${columns}
            FROM page ${joins}
           ORDER BY page.m_seq ${q.after === undefined ? 'DESC' : 'ASC'}`;
}

/** The shape `presentedHistorySql` depends on. */
export function historyShape(q: HistoryPageQuery): string {
  return `history:${q.after !== undefined ? 'after' : q.before !== undefined ? 'before' : 'newest'}:${q.limit}`;
}
