import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomUUID } from 'node:crypto';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { EventBus } from '../common/event-bus';
import { SessionEndedEvent } from './session.events';
import { User } from '../users/user.entity';
import { toUserDto, UsersService } from '../users/users.service';
import { AuthResponseDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { SessionsRepository } from './sessions.repository';
import { TokensService, hashToken } from './tokens.service';

const INVALID_CREDENTIALS = () => new AppException('INVALID_CREDENTIALS', 'wrong username or password');

@Injectable()
export class AuthService {
  // Verified against when the user does not exist, so both failures cost the same time.
  private readonly dummyHash = argon2.hash('dummy-password-for-timing', { type: argon2.argon2id });

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensService,
    private readonly events: EventBus,
  ) {}

  async register(dto: RegisterDto): Promise<AuthResponseDto> {
    const passwordHash = await argon2.hash(dto.password, { type: argon2.argon2id });
    const user = await this.users.createWithPassword({
      username: dto.username,
      displayName: dto.displayName ?? dto.username,
      passwordHash,
    });
    return this.startSession(user);
  }

  async login(dto: LoginDto): Promise<AuthResponseDto> {
    const user = await this.users.findCredentials(dto.username);
    const ok = await argon2.verify(user?.passwordHash ?? (await this.dummyHash), dto.password);
    if (!user || !ok) throw INVALID_CREDENTIALS();
    return this.startSession(user);
  }

  /**
   * Rotation with a safe retry: the given token may be the newest one, or the one before it while the
   * newest pair was never used (the client lost the answer and retries); either gets a new pair. Any
   * other token of a live session is one that was rotated out — replayed, maybe stolen — and the whole
   * session ends: its refresh token, its access tokens and its sockets.
   */
  async refresh(dto: RefreshDto): Promise<AuthResponseDto> {
    const [sessionId, secret] = dto.refreshToken.split('.');
    const invalid = () => new AppException('UNAUTHORIZED', 'refresh token is invalid or expired');
    if (!sessionId || !secret || !/^[0-9a-f-]{36}$/i.test(sessionId)) throw invalid();
    const session = await this.sessions.findById(sessionId);
    if (!session || session.revokedAt || session.expiresAt < new Date()) throw invalid();
    const nextToken = `${session.id}.${this.tokens.newRefreshSecret()}`;
    const generation = await this.sessions.rotate(
      session.id,
      hashToken(dto.refreshToken),
      hashToken(nextToken),
      this.tokens.refreshExpiry(),
    );
    if (generation === null) {
      await this.endSession({ userId: session.userId, sessionId: session.id });
      throw invalid();
    }
    const user = await this.users.findById(session.userId);
    if (!user) throw invalid();
    const caller = { userId: user.id, sessionId: session.id };
    return { accessToken: this.tokens.signAccess(caller, generation), refreshToken: nextToken, user: toUserDto(user) };
  }

  async logout(caller: AuthUser): Promise<void> {
    await this.endSession(caller);
  }

  private async endSession(session: AuthUser): Promise<void> {
    await this.sessions.revoke(session.sessionId);
    this.events.emit('session.ended', { userId: session.userId, sessionId: session.sessionId } satisfies SessionEndedEvent);
  }

  private async startSession(user: User): Promise<AuthResponseDto> {
    // The session id is part of the refresh token, so it is chosen here rather than by the database.
    const sessionId = randomUUID();
    const refreshToken = `${sessionId}.${this.tokens.newRefreshSecret()}`;
    await this.sessions.insert({
      id: sessionId,
      userId: user.id,
      refreshTokenHash: hashToken(refreshToken),
      expiresAt: this.tokens.refreshExpiry(),
    });
    const caller = { userId: user.id, sessionId };
    // Generation 0: the column's default for a new session.
    return { accessToken: this.tokens.signAccess(caller, 0), refreshToken, user: toUserDto(user) };
  }
}
