import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes } from 'node:crypto';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SessionsRepository } from './sessions.repository';

interface AccessClaims {
  sub: string;
  sid: string;
  /** The session's refresh generation when the pair was made: its first use confirms a rotation. */
  gen?: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Access tokens (JWT with user and session ids) and opaque refresh tokens "<sessionId>.<secret>". */
@Injectable()
export class TokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly sessions: SessionsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An access token of the pair number `generation` of the session (0 at login, +1 per refresh). */
  signAccess(user: AuthUser, generation: number): string {
    return this.jwt.sign({ sub: user.userId, sid: user.sessionId, gen: generation } satisfies AccessClaims, {
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  newRefreshSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
  }

  /**
   * Verifies signature, expiry and that the session was not ended; throws 401 otherwise. The first use
   * of a refreshed pair's access token (REST or socket handshake) confirms the rotation, in the same
   * statement (SessionsRepository.checkAccess). Access tokens of earlier pairs stay valid until they
   * expire, as long as the session lives.
   */
  async verifyAccess(token: string | undefined): Promise<AuthUser> {
    if (!token) throw AppException.unauthorized();
    let claims: AccessClaims;
    try {
      claims = this.jwt.verify<AccessClaims>(token);
    } catch {
      throw AppException.unauthorized();
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw AppException.unauthorized();
    const generation = typeof claims.gen === 'number' && Number.isSafeInteger(claims.gen) ? claims.gen : null;
    if (!(await this.sessions.checkAccess(claims.sid, generation))) throw AppException.unauthorized('session ended');
    return { userId: claims.sub, sessionId: claims.sid };
  }
}
