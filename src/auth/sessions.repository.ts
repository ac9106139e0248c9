import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { preparedQuery } from '../common/prepared-query';
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

  /**
   * The check behind every access token, in one statement (one round trip, as a plain lookup): is the
   * session still active, and — when the token belongs to the newest pair of a refresh whose answer was
   * not used yet (`generation` = refresh_generation, a previous hash still kept) — that first use drops
   * the previous refresh token. Once nothing is pending the UPDATE matches no row and writes nothing.
   * A token without `gen` (null) confirms nothing.
   */
  async checkAccess(id: string, generation: number | null): Promise<boolean> {
    const rows = await preparedQuery<{ active: boolean }>(
      this.sessions.manager,
      `WITH confirmed AS (
         UPDATE sessions SET previous_refresh_token_hash = NULL
          WHERE id = $1 AND revoked_at IS NULL AND refresh_generation = $2 AND previous_refresh_token_hash IS NOT NULL
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL) AS active`,
      [id, generation],
    );
    return rows[0]?.active === true;
  }

  /**
   * Rotates if the presented token is the newest one (then it counts as used: it becomes the previous
   * one, and the one before is dropped) or the previous one while the newest pair is unused (a retry:
   * the unused newest token is replaced, the previous one kept). Returns the new generation, or null
   * when the token is neither — a rotated-out token came back. One UPDATE, so of two concurrent refreshes
   * with the same token the second sees the first's result (a retry of it), never a half-rotated row.
   */
  async rotate(id: string, presentedHash: string, nextHash: string, expiresAt: Date): Promise<number | null> {
    const [rows]: [Array<{ refresh_generation: number }>, number] = await this.sessions.query(
      `UPDATE sessions
          SET previous_refresh_token_hash =
                CASE WHEN refresh_token_hash = $2 THEN refresh_token_hash ELSE previous_refresh_token_hash END,
              refresh_token_hash = $3,
              refresh_generation = refresh_generation + 1,
              expires_at = $4
        WHERE id = $1 AND revoked_at IS NULL AND (refresh_token_hash = $2 OR previous_refresh_token_hash = $2)
      RETURNING refresh_generation`,
      [id, presentedHash, nextHash, expiresAt],
    );
    return rows[0]?.refresh_generation ?? null;
  }

  async revoke(id: string): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
