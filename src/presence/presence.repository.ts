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
}
