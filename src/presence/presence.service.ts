import { Injectable } from '@nestjs/common';
import { PresenceRepository } from './presence.repository';

export interface PresenceState {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

/**
 * Who is online: a count of connected sockets per user. In-process here; with REDIS_URL the
 * realtime layer keeps the counts in Redis so that every instance agrees.
 */
@Injectable()
export class PresenceService {
  private readonly sockets = new Map<string, number>();

  constructor(private readonly repository: PresenceRepository) {}

  async onlineOf(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => (this.sockets.get(id) ?? 0) > 0));
  }

  /** Presence of existing users; unknown ids are left out. */
  async states(userIds: string[]): Promise<PresenceState[]> {
    const [online, lastSeen] = await Promise.all([this.onlineOf(userIds), this.repository.findLastSeen(userIds)]);
    return userIds
      .filter((id) => lastSeen.has(id))
      .map((id) => ({ userId: id, online: online.has(id), lastSeenAt: lastSeen.get(id)?.toISOString() ?? null }));
  }
}
