import { Repository, SelectQueryBuilder } from 'typeorm';
import { Message } from './message.entity';
import { visibleTo } from '../common/visibility';

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
