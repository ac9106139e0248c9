import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { Session } from './session.entity';

@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {}

  async insert(session: Pick<Session, 'id' | 'userId' | 'refreshTokenHash' | 'expiresAt'>): Promise<void> {
    await this.sessions.insert(session);
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  async isActive(id: string): Promise<boolean> {
    return this.sessions.exists({ where: { id, revokedAt: IsNull() } });
  }

  /** Swaps the refresh token only if the presented one is still current: a concurrent reuse loses. */
  async rotate(id: string, presentedHash: string, nextHash: string, expiresAt: Date): Promise<boolean> {
    const result = await this.sessions.update(
      { id, refreshTokenHash: presentedHash, revokedAt: IsNull() },
      { refreshTokenHash: nextHash, expiresAt },
    );
    return (result.affected ?? 0) === 1;
  }

  async revoke(id: string): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
