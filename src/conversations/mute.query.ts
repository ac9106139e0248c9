import { EntityManager } from 'typeorm';
import { ChatMember } from './chat-member.entity';

/**
 * Mute as of now, kept free of Nest so that a test can run exactly this SQL against the database. A
 * mute with an `until` ends by itself when that time passes: it is read from the clock at each read,
 * with no timer and no write.
 */

/** SQL: the membership `cm` has the chat muted now. */
export const mutedNow = (cm: string) => `(${cm}.muted AND (${cm}.muted_until IS NULL OR ${cm}.muted_until > now()))`;

/** Which of these users have the chat muted now (for push notifications: they get none, unless mentioned). */
export async function findMutedMembers(manager: EntityManager, chatId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await manager
    .createQueryBuilder(ChatMember, 'cm')
    .select('cm.user_id', 'user_id')
    .where('cm.chat_id = :chatId AND cm.user_id = ANY(:userIds)', { chatId, userIds })
    .andWhere(mutedNow('cm'))
    .getRawMany<{ user_id: string }>();
  return rows.map((r) => r.user_id);
}
