import { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { PresenceService } from '../presence/presence.service';
import { SearchUsersQuery, UpdateMeDto, UserDto, UserPublicDto } from './dto/user.dto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    about: user.about,
    createdAt: user.createdAt.toISOString(),
  };
}

/** How many username → id pairs `idsByUsernames` keeps (least recently used go first). */
const USERNAME_IDS_KEPT = 10_000;

@Injectable()
export class UsersService {
  /**
   * username key → user id, in use order. Sound forever: usernames never change and accounts are
   * never deleted. Only found names are kept (a name of nobody may be registered later).
   */
  private readonly idsByKey = new Map<string, string>();

  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceService,
  ) {}

  /** A new account; 409 USERNAME_TAKEN when the username (ignoring case) is taken. */
  async createWithPassword(account: Pick<User, 'username' | 'displayName' | 'passwordHash'>): Promise<User> {
    const user = await this.users.insert(account);
    if (!user) throw new AppException('USERNAME_TAKEN', 'this username is taken');
    return user;
  }

  /** For login only: the user of a username (ignoring case) with its password hash, or null. */
  findCredentials(username: string): Promise<User | null> {
    return this.users.findWithPasswordByUsername(username);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /** The users of these ids that exist; in the caller's transaction when given one (embedded mode has one connection). */
  findByIds(ids: string[], manager?: EntityManager): Promise<User[]> {
    return this.users.findByIds(ids, manager);
  }

  /**
   * username key (lower case) → id for those of these usernames that exist, ignoring case. Known
   * names cost no statement (the @mentions of a send: the same few names again and again).
   */
  async idsByUsernames(usernames: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const key of new Set(usernames.map((name) => name.toLowerCase()))) {
      const id = this.idsByKey.get(key);
      if (id === undefined) missing.push(key);
      else found.set(key, id);
    }
    if (missing.length) for (const user of await this.users.findByUsernames(missing)) found.set(user.usernameKey, user.id);
    for (const [key, id] of found) {
      this.idsByKey.delete(key); // re-inserted last: the Map stays in use order
      this.idsByKey.set(key, id);
    }
    for (const key of this.idsByKey.keys()) {
      if (this.idsByKey.size <= USERNAME_IDS_KEPT) break;
      this.idsByKey.delete(key);
    }
    return found;
  }

  /** The users of these usernames, ignoring case (usernames of nobody are left out). */
  findByUsernames(usernames: string[]): Promise<User[]> {
    return this.users.findByUsernames(usernames);
  }

  async me(caller: AuthUser): Promise<UserDto> {
    return toUserDto(await this.require(caller.userId));
  }

  async updateMe(caller: AuthUser, dto: UpdateMeDto): Promise<UserDto> {
    // null counts as absent (as @IsOptional lets it through); an empty PATCH changes nothing.
    const changes = { displayName: dto.displayName ?? undefined, about: dto.about ?? undefined };
    if (changes.displayName !== undefined || changes.about !== undefined) await this.users.updateProfile(caller.userId, changes);
    return this.me(caller);
  }

  async getPublic(id: string): Promise<UserPublicDto> {
    const [user] = await this.publicProfiles([id]);
    if (!user) throw new AppException('USER_NOT_FOUND', 'user not found');
    return user;
  }

  async search(query: SearchUsersQuery): Promise<{ items: UserPublicDto[] }> {
    const found = await this.users.searchByPrefix(query.q, query.limit ?? 20);
    return { items: await this.withPresence(found) };
  }

  /** UserPublic for each id that exists, in the order given. */
  async publicProfiles(ids: string[]): Promise<UserPublicDto[]> {
    const unique = [...new Set(ids)];
    const found = await this.users.findByIds(unique);
    const byId = new Map(found.map((u) => [u.id, u]));
    return this.withPresence(unique.filter((id) => byId.has(id)).map((id) => byId.get(id)!));
  }

  async withPresence(users: User[]): Promise<UserPublicDto[]> {
    const online = await this.presence.onlineOf(users.map((u) => u.id));
    return users.map((u) => ({
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      about: u.about,
      online: online.has(u.id),
      lastSeenAt: u.lastSeenAt?.toISOString() ?? null,
    }));
  }

  private async require(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw AppException.unauthorized();
    return user;
  }
}
