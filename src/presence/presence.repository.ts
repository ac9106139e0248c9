import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { User } from '../users/user.entity';

/** Presence owns `users.last_seen_at`: when a user was last connected. */
@Injectable()
export class PresenceRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async findLastSeen(userIds: string[]): Promise<Map<string, Date | null>> {
    if (!userIds.length) return new Map();
    const rows = await this.users.find({ select: { id: true, lastSeenAt: true }, where: { id: In(userIds) } });
    return new Map(rows.map((r) => [r.id, r.lastSeenAt]));
  }

  async setLastSeen(userId: string, at: Date): Promise<void> {
    await this.users.update({ id: userId }, { lastSeenAt: at });
  }

  async setLastSeenMany(userIds: string[], at: Date): Promise<void> {
    if (userIds.length) await this.users.update({ id: In(userIds) }, { lastSeenAt: at });
  }

  /** The users who share at least one chat with `userId` (not `userId` itself): who hears of its presence. */
  async coMemberIds(userId: string): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await this.users.manager.query(
      `SELECT DISTINCT other.user_id
         FROM chat_members mine
         JOIN chat_members other ON other.chat_id = mine.chat_id
        WHERE mine.user_id = $1 AND other.user_id <> $1`,
      [userId],
    );
    return rows.map((r) => r.user_id);
  }
}
