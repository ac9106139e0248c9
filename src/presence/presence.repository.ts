import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Presence owns `users.last_seen_at`: when a user was last connected. It is read and written here
 * in SQL rather than through the User entity, so that presence depends on nothing in users/ (the
 * users module depends on presence for who is online).
 */
@Injectable()
export class PresenceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The last seen time of each of these users that exists (null: never seen). */
  async findLastSeen(userIds: string[]): Promise<Map<string, Date | null>> {
    if (!userIds.length) return new Map();
    const rows: Array<{ id: string; last_seen_at: Date | null }> = await this.dataSource.query(
      'SELECT id, last_seen_at FROM users WHERE id = ANY($1::uuid[])',
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.last_seen_at]));
  }

  async setLastSeen(userIds: string[], at: Date): Promise<void> {
    if (userIds.length) await this.dataSource.query('UPDATE users SET last_seen_at = $2 WHERE id = ANY($1::uuid[])', [userIds, at]);
  }

  /** The users who share at least one chat with `userId` (not `userId` itself): who hears of its presence. */
  async coMemberIds(userId: string): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT other.user_id
         FROM chat_members mine
         JOIN chat_members other ON other.chat_id = mine.chat_id
        WHERE mine.user_id = $1 AND other.user_id <> $1`,
      [userId],
    );
    return rows.map((r) => r.user_id);
  }
}
